using Coordinators.Tests.Config;
using Coordinators.Tests.Fixtures;

namespace Coordinators.Tests.Host;

[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ConfigPrintTests
{
    private static readonly TimeSpan _backstop = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ConfigPrint_ReferenceConf_PrintsTheSessionTtlAndExitsZero()
    {
        var reference = Path.Combine(HostRunner.RepositoryRoot, "hocon", "reference.conf");
        var result = await HostRunner.RunAsync(["config", "print", "--config", reference], _backstop);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.StandardError);
        var ttl = result.StandardOutput.Split('\n').Single(l => l.StartsWith("coordinators.session.ttl = ", StringComparison.Ordinal));
        Assert.Matches(@"^coordinators\.session\.ttl = 10s +# .*/hocon/reference\.conf:\d+:\d+$", ttl);
    }

    [Fact]
    public async Task ConfigPrint_AkkaSection_PrintedAsHandedToAkka()
    {
        using var files = new TempFiles();
        var file = files.Write("akka.conf", "coordinators { root = \"x\" }\nakka { loglevel = DEBUG, actor.default-dispatcher.throughput = 7 }\n");
        var result = await HostRunner.RunAsync(["config", "print", "--config", file], _backstop);

        Assert.Equal(0, result.ExitCode);
        var tail = result.StandardOutput[result.StandardOutput.IndexOf("# akka section", StringComparison.Ordinal)..];
        Assert.Equal(
            "# akka section, handed to Akka.NET:\n\"akka\".\"actor\".\"default-dispatcher\".\"throughput\" = \"7\"\n\"akka\".\"loglevel\" = \"DEBUG\"\n",
            tail);
    }

    [Fact]
    public async Task ConfigPrint_BadDuration_ExitsNonZeroNamingTheFile()
    {
        using var files = new TempFiles();
        var file = files.Write("bad.conf", "coordinators { session { ttl = \"not-a-duration\" } }\n");
        var result = await HostRunner.RunAsync(["config", "print", "--config", file], _backstop);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.StandardOutput);
        Assert.Equal(
            $"coordinators: invalid configuration:\n  coordinators:session:ttl = \"not-a-duration\" in {file}:1:32: expected a duration like 500ms, 10s, 2m\n",
            result.StandardError);
    }

    [Fact]
    public async Task ConfigPrint_SwitchesAndEnvironment_OverrideAndMaskSecrets()
    {
        var environment = new Dictionary<string, string?>
        {
            ["COORDINATORS__ETCD__USERNAME"] = "app",
            ["COORDINATORS__ETCD__PASSWORD"] = "hunter2",
        };
        var result = await HostRunner.RunAsync(
            ["config", "print", "--etcd", "http://10.0.0.1:2379,http://10.0.0.2:2379", "--session-ttl", "4s", "--root", "test-root", "--listen", "0.0.0.0:7000"],
            _backstop,
            environment);

        Assert.Equal(0, result.ExitCode);
        var lines = result.StandardOutput.Split('\n');
        Assert.Contains("coordinators.etcd.endpoints = [\"http://10.0.0.1:2379\", \"http://10.0.0.2:2379\"]  # command-line switch", lines);
        Assert.Contains(lines, l => l.StartsWith("coordinators.session.ttl = 4s ", StringComparison.Ordinal) && l.EndsWith("# command-line switch", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("coordinators.session.keep-alive-interval = 400ms ", StringComparison.Ordinal) && l.EndsWith("# default", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("coordinators.etcd.password = \"******\" ", StringComparison.Ordinal) && l.EndsWith("# environment variable COORDINATORS__ETCD__PASSWORD", StringComparison.Ordinal));
        Assert.DoesNotContain("hunter2", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsTheConfigCommand()
    {
        var result = await HostRunner.RunAsync(["--help"], _backstop);
        Assert.Equal(0, result.ExitCode);
        // Column widths follow the longest command name, so match the name and its description loosely.
        foreach (var command in new[] { "config", "run", "status", "probe", "standalone", "demo" })
        {
            Assert.Matches($@"(?m)^\s+{command}\s+\S", result.StandardOutput);
        }
        Assert.Matches(@"(?m)^\s+config\s+Inspect the configuration", result.StandardOutput);
    }
}
