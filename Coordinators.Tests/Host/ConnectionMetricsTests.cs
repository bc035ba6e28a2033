using System.Net;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Connections;
using Coordinators.Actors.Transport;
using Coordinators.Tests.Fixtures;
using Coordinators.Actors.Model;
using Grpc.Core;

namespace Coordinators.Tests.Host;

/// <summary>
/// The ConnectionManager's metrics in a real proxy process's /metrics: clients per target role and state, calls by
/// target role and status code with their latency, and fail-fast rejections; and /readyz while a process stops.
/// </summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ConnectionMetricsTests
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(20);

    private static HostRunner Run(EtcdCluster cluster, string role, params string[] extra) => HostRunner.Start(
        ["run", "--role", role, "--etcd", cluster.ClientUrls[0], "--root", "m", "--session-ttl", "2s", "--stop-on-stdin-eof", "--http", "127.0.0.1:0", .. extra]);

    private static async Task<(long ServerId, string Http)> ReadyAsync(HostRunner runner)
    {
        var ready = await runner.WaitForLineAsync(l => l.StartsWith("READY ", StringComparison.Ordinal), Backstop);
        string Field(string name) => ready.Split(' ').Single(p => p.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..];
        return (long.Parse(Field("serverId"), System.Globalization.CultureInfo.InvariantCulture), Field("http"));
    }

    private static async Task<IReadOnlyList<PrometheusText.Sample>> MetricsAsync(HttpClient http, string address)
    {
        using var response = await http.GetAsync(new Uri($"http://{address}/metrics"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync()).Samples;
    }

    private static double Value(IReadOnlyList<PrometheusText.Sample> samples, string name, params (string Label, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Label) == l.Value))
            .Select(s => s.Value).DefaultIfEmpty(0).Sum();

    [Fact]
    public async Task ProxyMetrics_CallsToAPrimaryAndToAnAbsentNodeRole_CountedByTargetRoleAndStatus()
    {
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions());
        await using var root = Run(cluster, Roles.RootCoord);
        await ReadyAsync(root);
        await using var proxy = Run(cluster, Roles.Proxy);
        var (proxyId, proxyHttp) = await ReadyAsync(proxy);
        using var http = new HttpClient();

        // The proxy follows the rootcoord primary: one online client once it connected.
        var deadline = DateTime.UtcNow + Backstop;
        IReadOnlyList<PrometheusText.Sample> samples;
        do
        {
            // Another process's connect state: poll its endpoint, there is no event to wait on.
            samples = await MetricsAsync(http, proxyHttp);
        }
        while (Value(samples, "coordinators_connections_clients", ("target_role", "rootcoord"), ("state", "online")) < 1 && DateTime.UtcNow < deadline && await Delay());
        Assert.Equal(1, Value(samples, "coordinators_connections_clients", ("target_role", "rootcoord"), ("state", "online")));

        using var etcd = new Coordinators.Actors.Etcd.EtcdClient(new Coordinators.Actors.Etcd.EtcdClientOptions { Endpoints = cluster.ClientUrls });
        await using var cm = new ConnectionManager(etcd, new ConnectionManagerOptions { Layout = new EtcdLayout("m"), Call = new Coordinators.Actors.Config.RetryPolicyOptions { MaxAttempts = 1 } });
        // One attempt per call here, so each call below is exactly one proxy call (no retry of its Unavailable).
        await cm.AddDependencyAsync(Roles.Proxy);
        await cm.WaitForClientsAsync(Roles.Proxy, 1).WaitAsync(Backstop);
        // No querynode runs: the proxy's rootcoord call succeeds, its querynode call fails fast.
        for (var i = 0; i < 3; i++)
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => cm.ForServer(proxyId).ProxyAsync(
                new ProxyRequest { CoordinatorRole = Roles.RootCoord, NodeRole = Roles.QueryNode }, new CallOptions().WithTimeout(TimeSpan.FromSeconds(5))));
            Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        }

        samples = await MetricsAsync(http, proxyHttp);
        Assert.Equal(3, Value(samples, "coordinators_connections_failfast_total", ("target_role", "querynode")));
        Assert.Equal(3, Value(samples, "coordinators_connections_call_duration_seconds_count", ("target_role", "querynode"), ("rpc_grpc_status_code", "UNAVAILABLE")));
        Assert.Equal(3, Value(samples, "coordinators_connections_call_duration_seconds_count", ("target_role", "rootcoord"), ("rpc_grpc_status_code", "OK")));
        Assert.True(Value(samples, "coordinators_connections_call_duration_seconds_sum", ("target_role", "rootcoord")) > 0);
        Assert.Equal(0, Value(samples, "coordinators_connections_failfast_total", ("target_role", "rootcoord")));
    }

    [Fact]
    public async Task Readyz_WhileStopping_503BeforeTheProcessExits()
    {
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions());
        await using var node = Run(cluster, Roles.QueryNode);
        var (_, address) = await ReadyAsync(node);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri($"http://{address}/readyz"))).StatusCode);

        // etcd paused: the stop's revoke waits on it, so the process stays in Stopping with its endpoint open.
        cluster.Pause(0);
        node.Signal(UnixSignal.SIGTERM);
        await node.WaitForLineAsync(l => l.StartsWith("STATE ", StringComparison.Ordinal) && l.Contains("state=Stopping", StringComparison.Ordinal), Backstop);
        using (var response = await http.GetAsync(new Uri($"http://{address}/readyz")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.EndsWith(": Stopping\n", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        cluster.Resume(0);
        Assert.Equal(0, await node.WaitForExitAsync(Backstop));
    }

    [Fact]
    public async Task Status_SessionsWithAnHttpEndpoint_ShowEachOnesReadyzAnswer()
    {
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions());
        await using var primary = Run(cluster, Roles.RootCoord);
        var (primaryId, primaryHttp) = await ReadyAsync(primary);
        await primary.WaitForLineAsync(l => l.StartsWith($"STATE role=rootcoord serverId={primaryId} state=Healthy", StringComparison.Ordinal), Backstop);
        await using var standby = Run(cluster, Roles.RootCoord);
        var (standbyId, standbyHttp) = await ReadyAsync(standby);

        var result = await HostRunner.RunAsync(["status", "--etcd", cluster.ClientUrls[0], "--root", "m", "--json"]);

        Assert.Equal(0, result.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(result.StandardOutput);
        var sessions = json.RootElement.GetProperty("sessions").EnumerateArray()
            .ToDictionary(s => s.GetProperty("serverId").GetInt64(), s => (Http: s.GetProperty("http").GetString(), Ready: s.GetProperty("ready").GetString()));
        Assert.Equal((primaryHttp, "200 Healthy"), sessions[primaryId]);
        Assert.Equal((standbyHttp, "200 StandBy"), sessions[standbyId]);

        var table = await HostRunner.RunAsync(["status", "--etcd", cluster.ClientUrls[0], "--root", "m"]);
        Assert.Contains("200 StandBy", table.StandardOutput, StringComparison.Ordinal);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(100);
        return true;
    }
}
