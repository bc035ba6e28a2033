using System.Net;
using Coordinators.Tests.Fixtures;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Host;

/// <summary>`coordinators run --http`: /healthz and /readyz of real processes for a primary, a standby and an etcd outage.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class HealthHttpTests
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(20);

    private static HostRunner Run(EtcdCluster cluster, string role, string ttl = "2s") => HostRunner.Start(
        ["run", "--role", role, "--etcd", cluster.ClientUrls[0], "--root", "h", "--session-ttl", ttl, "--stop-on-stdin-eof", "--http", "127.0.0.1:0"]);

    private static async Task<string> HttpAddressAsync(HostRunner runner)
    {
        var ready = await runner.WaitForLineAsync(l => l.StartsWith("READY ", StringComparison.Ordinal), Backstop);
        return ready.Split(' ').Single(p => p.StartsWith("http=", StringComparison.Ordinal))["http=".Length..];
    }

    private static async Task<(HttpStatusCode Code, string Body)> GetAsync(HttpClient http, string address, string path)
    {
        using var response = await http.GetAsync(new Uri($"http://{address}{path}"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task HealthzReadyz_PrimaryAndStandby_BothAliveAndReady()
    {
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions());
        await using var primary = Run(cluster, Roles.RootCoord);
        var primaryHttp = await HttpAddressAsync(primary);
        await using var standby = Run(cluster, Roles.RootCoord);
        var standbyHttp = await HttpAddressAsync(standby);
        using var http = new HttpClient();

        var (code, body) = await GetAsync(http, primaryHttp, "/readyz");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.EndsWith(": Healthy\n", body, StringComparison.Ordinal);
        (code, body) = await GetAsync(http, standbyHttp, "/readyz");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.EndsWith(": StandBy\n", body, StringComparison.Ordinal);
        foreach (var address in new[] { primaryHttp, standbyHttp })
        {
            (code, body) = await GetAsync(http, address, "/healthz");
            Assert.Equal(HttpStatusCode.OK, code);
            Assert.Contains("holds its etcd session", body, StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(http, primaryHttp, "/nope")).Code);
    }

    [Fact]
    public async Task Metrics_AcrossARealFailover_StrictPrometheusTextWithRoleStateAndTakeoversChanging()
    {
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions());
        await using var first = Run(cluster, Roles.QueryCoord);
        var firstHttp = await HttpAddressAsync(first);
        await using var second = Run(cluster, Roles.QueryCoord);
        var secondHttp = await HttpAddressAsync(second);
        using var http = new HttpClient();

        var before = await MetricsAsync(http, secondHttp);
        Assert.Equal(0, Value(before, "coordinators_role_primary"));
        Assert.Equal(1, Value(await MetricsAsync(http, firstHttp), "coordinators_role_primary"));
        Assert.Equal("histogram", before.Types["coordinators_session_keepalive_duration_seconds"]);
        // A standby that never took over has no takeover series yet.
        Assert.Equal(0, Value(before, "coordinators_election_takeovers_total"));

        first.Signal(UnixSignal.SIGTERM);
        Assert.Equal(0, await first.WaitForExitAsync(Backstop));
        await second.WaitForLineAsync(l => l.Contains("-> Primary", StringComparison.Ordinal), Backstop);

        var after = await MetricsAsync(http, secondHttp);
        Assert.Equal(1, Value(after, "coordinators_role_primary"));
        Assert.Equal("counter", after.Types["coordinators_election_takeovers_total"]);
        Assert.Equal(1, Value(after, "coordinators_election_takeovers_total"));
        Assert.Equal(1, Value(after, "coordinators_election_takeover_duration_seconds_count"));
        Assert.True(Value(after, "coordinators_election_term") > 0);
        Assert.True(Value(after, "coordinators_lease_guard_remaining_seconds") > 0);
    }

    private static async Task<(IReadOnlyDictionary<string, string> Types, IReadOnlyList<PrometheusText.Sample> Samples)> MetricsAsync(HttpClient http, string address)
    {
        var (code, body) = await GetAsync(http, address, "/metrics");
        Assert.Equal(HttpStatusCode.OK, code);
        return PrometheusText.Parse(body);
    }

    private static double Value((IReadOnlyDictionary<string, string> Types, IReadOnlyList<PrometheusText.Sample> Samples) metrics, string name) =>
        metrics.Samples.Where(s => s.Name == name && s.Labels.GetValueOrDefault("role") == Roles.QueryCoord).Select(s => s.Value).DefaultIfEmpty(0).Single();

    [Fact]
    public async Task Healthz_EtcdDownPastTheSessionTtl_Unhealthy503()
    {
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions());
        await using var node = Run(cluster, Roles.QueryNode);
        var address = await HttpAddressAsync(node);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, address, "/healthz")).Code);

        await cluster.DisposeAsync();

        // The session is lost within one TTL (2 s) and cannot be re-established; one TTL after the loss /healthz says so.
        await node.WaitForLineAsync(l => l.Contains("session lost", StringComparison.OrdinalIgnoreCase), Backstop);
        var deadline = DateTime.UtcNow + Backstop;
        var last = await GetAsync(http, address, "/healthz");
        while (last.Code == HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            // The endpoint's answer depends on time in another process: poll it, there is no event to wait on.
            await Task.Delay(100);
            last = await GetAsync(http, address, "/healthz");
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, last.Code);
        Assert.StartsWith("unhealthy: querynode: no etcd session for ", last.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await GetAsync(http, address, "/readyz")).Code);
    }
}
