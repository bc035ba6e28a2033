using Coordinators.Actors.Config;
using Microsoft.Extensions.Configuration;

namespace Coordinators.Tests.Config;

public sealed class CoordinatorsConfigurationTests
{
    private static readonly Dictionary<string, string> _noEnvironment = [];

    private static string ReferenceConf => Path.Combine(Fixtures.HostRunner.RepositoryRoot, "hocon", "reference.conf");

    private static CoordinatorsConfigurationException Invalid(string? file, Dictionary<string, string?>? overrides = null) =>
        Assert.Throws<CoordinatorsConfigurationException>(() => CoordinatorsConfiguration.Load(file, overrides, _noEnvironment));

    [Fact]
    public void Load_ReferenceConf_GivesTheDocumentedDefaults()
    {
        var o = CoordinatorsConfiguration.Load(ReferenceConf, environment: _noEnvironment).Options;
        Assert.Equal(new CoordinatorsOptions().Etcd.Endpoints, o.Etcd.Endpoints);
        Assert.Equal("coordinators", o.Root);
        Assert.Equal("127.0.0.1:0", o.Listen);
        Assert.False(o.ExitOnSessionLoss);
        Assert.False(o.CrashGuard);
        Assert.Equal(["http://127.0.0.1:2379"], o.Etcd.Endpoints);
        Assert.Null(o.Etcd.Password);
        Assert.Equal(TimeSpan.FromSeconds(10), o.Session.Ttl);
        Assert.Equal(TimeSpan.FromMilliseconds(1000), o.Session.KeepAliveInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), o.Session.LeaseGuardMargin);
        Assert.Equal(TimeSpan.FromSeconds(1), o.Election.WarmUpInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), o.Election.ResignTimeout);
        Assert.True(o.Election.WarmJit);
        Assert.Equal(RetryPolicyOptions.DefaultConnect, o.Connect);
        Assert.Equal((3, TimeSpan.FromSeconds(30)), (o.Connect.MaxAttempts, o.Connect.AttemptTimeout));
        Assert.Equal(RetryPolicyOptions.DefaultCall, o.Call);
        Assert.Equal((3, TimeSpan.FromSeconds(10)), (o.Call.MaxAttempts, o.Call.AttemptTimeout));
    }

    [Fact]
    public void ReferenceConf_ListsExactlyTheKeysTheReaderKnows()
    {
        var document = Actors.Config.Hocon.HoconDocument.Load(ReferenceConf, _ => null);
        var inFile = document.Values.Keys
            .Select(k => k["coordinators:".Length..])
            .Select(k => k.StartsWith("etcd:endpoints:", StringComparison.Ordinal) ? "etcd:endpoints" : k)
            .Distinct()
            .Order(StringComparer.Ordinal);
        Assert.Equal(CoordinatorsOptionKeys.All.Select(k => k.Key).Order(StringComparer.Ordinal), inFile);
    }

    [Fact]
    public void Load_HyphenatedKeysAndBooleans_MapOntoOptions()
    {
        using var files = new TempFiles();
        var file = files.Write("c.conf", """
            coordinators {
              root = "prod/milvus"
              exit-on-session-loss = yes
              crash-guard = on
              etcd { endpoints = ["http://10.0.0.1:2379", "http://10.0.0.2:2379"], username = root, password = s3cret }
              session { ttl = 4s, keep-alive-interval = 1s, lease-guard-margin = 500ms }
              election { warm-up-interval = 250ms, warm-jit = off }
              connect { max-attempts = 5, attempt-timeout = 2s, backoff = 50ms, max-backoff = 400ms }
              call.max-attempts = 1
              health-check { interval = 0, failures = 3 }
            }
            """);
        var o = CoordinatorsConfiguration.Load(file, environment: _noEnvironment).Options;
        Assert.Equal("prod/milvus", o.Root);
        Assert.True(o.ExitOnSessionLoss);
        Assert.True(o.CrashGuard);
        Assert.Equal(["http://10.0.0.1:2379", "http://10.0.0.2:2379"], o.Etcd.Endpoints);
        Assert.Equal(("root", "s3cret"), (o.Etcd.Username, o.Etcd.Password));
        Assert.Equal(new SessionOptions { Ttl = TimeSpan.FromSeconds(4), KeepAliveInterval = TimeSpan.FromSeconds(1), LeaseGuardMargin = TimeSpan.FromMilliseconds(500) }, o.Session);
        Assert.Equal(TimeSpan.FromMilliseconds(250), o.Election.WarmUpInterval);
        Assert.False(o.Election.WarmJit);
        Assert.Equal(new RetryPolicyOptions { MaxAttempts = 5, AttemptTimeout = TimeSpan.FromSeconds(2), Backoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(400) }, o.Connect);
        Assert.Equal(RetryPolicyOptions.DefaultCall with { MaxAttempts = 1 }, o.Call);
        Assert.Equal(new HealthCheckOptions { Interval = TimeSpan.Zero, Failures = 3 }, o.HealthCheck);
        Assert.False(o.HealthCheck.Enabled);
    }

    [Fact]
    public void Load_OnlyTtlChanged_DerivesKeepAliveAndLeaseGuard()
    {
        var o = CoordinatorsConfiguration.Load(null, new Dictionary<string, string?> { ["coordinators:session:ttl"] = "3s" }, _noEnvironment).Options;
        Assert.Equal(TimeSpan.FromMilliseconds(300), o.Session.KeepAliveInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(300), o.Session.LeaseGuardMargin);
    }

    [Theory]
    [InlineData("2s", 250)]
    [InlineData("5s", 500)]
    [InlineData("30s", 1000)]
    public void Load_OnlyTtlChanged_GuardMarginIsATenthWithin250msAnd1s(string ttl, int marginMs)
    {
        var o = CoordinatorsConfiguration.Load(null, new Dictionary<string, string?> { ["coordinators:session:ttl"] = ttl }, _noEnvironment).Options;
        Assert.Equal(TimeSpan.FromMilliseconds(marginMs), o.Session.LeaseGuardMargin);
    }

    [Fact]
    public void Load_BadDuration_NamesKeyValueFileLineAndExpectedForm()
    {
        using var files = new TempFiles();
        var file = files.Write("bad.conf", "coordinators {\n  session {\n    ttl = \"not-a-duration\"\n  }\n}\n");
        var e = Invalid(file);
        Assert.Equal([$"coordinators:session:ttl = \"not-a-duration\" in {file}:3:11: expected a duration like 500ms, 10s, 2m"], e.Errors);
    }

    [Fact]
    public void Load_ValidationFailures_ListEveryProblemWithItsOrigin()
    {
        using var files = new TempFiles();
        var file = files.Write("v.conf", "coordinators.session { ttl = 1s, keep-alive-interval = 900ms }\ncoordinators.exit-on-session-loss = maybe\ncoordinators.sesion.ttl = 5s\n");
        var e = Invalid(file);
        Assert.Equal(
            [
                $"coordinators:sesion:ttl = \"5s\" in {file}:3:27: unknown key: expected one of the keys listed in hocon/reference.conf",
                $"coordinators:exit-on-session-loss = \"maybe\" in {file}:2:37: expected on/off, true/false or yes/no",
            ],
            e.Errors);

        var ranges = files.Write("r.conf", "coordinators.session { ttl = 1s, keep-alive-interval = 900ms }\ncoordinators.etcd.endpoints = [\"ftp://x\"]\n");
        Assert.Equal(
            [
                $"coordinators:etcd:endpoints = [\"ftp://x\"] in {ranges}:2:32: \"ftp://x\" is not an etcd endpoint: expected http://host:port or https://host:port",
                $"coordinators:session:ttl = \"1s\" in {ranges}:1:30: must be at least 2s: etcd raises shorter lease TTLs to 2s",
                $"coordinators:session:keep-alive-interval = \"900ms\" in {ranges}:1:56: must be above 0 and below half the session TTL (500ms), so one lost renewal does not expire the lease",
            ],
            Invalid(ranges).Errors);
    }

    [Fact]
    public void Load_KeepAliveNotBelowHalfTtl_FailsNamingTheDefaultWhenDerived()
    {
        var e = Invalid(null, new Dictionary<string, string?> { ["coordinators:session:keep-alive-interval"] = "5s" });
        Assert.Equal(["coordinators:session:keep-alive-interval = \"5s\" in command-line switch: must be above 0 and below half the session TTL (5s), so one lost renewal does not expire the lease"], e.Errors);
    }

    [Fact]
    public void Load_EnvironmentAndSwitches_OverrideTheFileInThatOrder()
    {
        using var files = new TempFiles();
        var file = files.Write("o.conf", "coordinators { root = from-file, listen = \"10.0.0.1:1\", session.ttl = 20s, etcd.endpoints = [\"http://a:1\", \"http://b:2\", \"http://c:3\"] }");
        var env = new Dictionary<string, string>
        {
            ["COORDINATORS__ROOT"] = "from-env",
            ["COORDINATORS__SESSION__TTL"] = "6s",
            ["COORDINATORS__SESSION__KEEP_ALIVE_INTERVAL"] = "1500ms",
            ["UNRELATED"] = "x",
        };
        var overrides = new Dictionary<string, string?> { ["coordinators:root"] = "from-switch", ["coordinators:etcd:endpoints"] = "http://z:9" };
        var loaded = CoordinatorsConfiguration.Load(file, overrides, env);
        var o = loaded.Options;
        Assert.Equal(("from-switch", "10.0.0.1:1", TimeSpan.FromSeconds(6), TimeSpan.FromMilliseconds(1500)), (o.Root, o.Listen, o.Session.Ttl, o.Session.KeepAliveInterval));
        Assert.Equal(["http://z:9"], o.Etcd.Endpoints);
        Assert.Equal("environment variable COORDINATORS__SESSION__KEEP_ALIVE_INTERVAL", loaded.DescribeOrigin("coordinators:session:keep-alive-interval"));
        Assert.Equal("command-line switch", loaded.DescribeOrigin("coordinators:root"));
        Assert.Equal($"{file}:1:43", loaded.DescribeOrigin("coordinators:listen"));
    }

    [Fact]
    public void Load_EnvironmentSubstitution_FillsSecretsAndDescribeMasksThem()
    {
        using var files = new TempFiles();
        var file = files.Write("s.conf", "coordinators.etcd { username = app, password = ${?ETCD_PASSWORD} }");
        var loaded = CoordinatorsConfiguration.Load(file, environment: new Dictionary<string, string> { ["ETCD_PASSWORD"] = "hunter2" });
        Assert.Equal("hunter2", loaded.Options.Etcd.Password);
        var lines = loaded.Describe();
        Assert.Equal(("coordinators.etcd.password", "\"******\"", $"{file}:1:48"), lines.Single(l => l.Key == "coordinators.etcd.password"));
        Assert.Equal(("coordinators.session.ttl", "10s", "default"), lines.Single(l => l.Key == "coordinators.session.ttl"));
        Assert.DoesNotContain(lines, l => l.Value.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public void AddHoconFile_WithLaterSources_BindsLikeAnyConfigurationProvider()
    {
        using var files = new TempFiles();
        var file = files.Write("app.conf", "app { name = demo, retries = 3, tags = [a, b] }");
        var configuration = new ConfigurationBuilder()
            .AddHoconFile(file, optional: false)
            .AddHoconFile(Path.Combine(files.Directory, "absent.conf"), optional: true)
            .AddInMemoryCollection(new Dictionary<string, string?> { ["app:retries"] = "7" })
            .Build();
        var app = new AppSettings();
        configuration.GetSection("app").Bind(app);
        Assert.Equal(("demo", 7), (app.Name, app.Retries));
        Assert.Equal(["a", "b"], app.Tags);
    }

    [Fact]
    public void CoordinatorsOptions_BuiltInCode_ValidatesWithRelativeKeys()
    {
        var options = new CoordinatorsOptions
        {
            Session = new SessionOptions { Ttl = TimeSpan.FromMilliseconds(2500) },
            Call = RetryPolicyOptions.DefaultCall with { MaxAttempts = 0 },
            HealthCheck = new HealthCheckOptions { Timeout = TimeSpan.Zero, Failures = 0 },
        };
        Assert.Equal(
            [
                new OptionsProblem("session:ttl", "must be whole seconds: etcd lease TTLs count seconds"),
                new OptionsProblem("call:max-attempts", "must be at least 1"),
                new OptionsProblem("health-check:timeout", "must be above 0"),
                new OptionsProblem("health-check:failures", "must be at least 1"),
            ],
            options.Validate());
        Assert.Empty(new CoordinatorsOptions().Validate());
    }

    private sealed class AppSettings
    {
        public string? Name { get; set; }

        public int Retries { get; set; }

        public List<string> Tags { get; } = [];
    }
}
