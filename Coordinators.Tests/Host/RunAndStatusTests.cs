using System.Text.Json;
using Coordinators.Actors.Sessions;
using Coordinators.Tests.Election;
using Coordinators.Tests.Etcd;
using Coordinators.Tests.Fixtures;
using StateCode = Coordinators.Actors.Components.Proto.StateCode;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Host;

/// <summary>`coordinators run` for nodes and exit-on-session-loss, and `coordinators status`, as real processes.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class RunAndStatusTests(EtcdSingleFixture etcd) : IClassFixture<EtcdSingleFixture>
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Run_NodeRole_ReadyHealthyRegisteredAndSigintExitsZero()
    {
        var root = EtcdSingleFixture.Prefix() + "c";
        var layout = new EtcdLayout(root);
        await using var node = await CoordinatorProcess.StartAsync(Roles.QueryNode, etcd.Cluster.ClientUrls, root);
        Assert.Contains($"READY role=querynode serverId={node.ServerId} address={node.Address} state=Healthy pid={node.Runner.ProcessId}", node.Runner.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(StateCode.Healthy, (await node.GetStatesAsync()).State);
        Assert.Single((await etcd.Client.GetAsync(layout.SessionKey(Roles.QueryNode, node.ServerId))).Kvs);

        node.Runner.Signal(UnixSignal.SIGINT);

        Assert.Equal(0, await node.Runner.WaitForExitAsync(Backstop));
        Assert.Empty((await etcd.Client.GetAsync(layout.SessionKey(Roles.QueryNode, node.ServerId))).Kvs);
    }

    [Fact]
    public async Task Run_LogFormatJson_EveryLogLineIsJsonAndTheElectionLineCarriesRoleServerIdTermAndEventId()
    {
        var root = EtcdSingleFixture.Prefix() + "c";
        await using var runner = HostRunner.Start(
            ["run", "--role", Roles.DataCoord, "--etcd", etcd.Cluster.ClientUrls[0], "--root", root, "--session-ttl", "2s", "--stop-on-stdin-eof", "--log-format", "json"]);
        await runner.WaitForLineAsync(l => l.StartsWith("READY ", StringComparison.Ordinal), Backstop);
        // The Primary transition is logged once the active key is out, which may come just after READY.
        await runner.WaitForLineAsync(l => l.Contains("\"To\":\"Primary\"", StringComparison.Ordinal), Backstop);
        runner.Signal(UnixSignal.SIGTERM);
        Assert.Equal(0, await runner.WaitForExitAsync(Backstop));

        // READY and STATE are the command's own protocol lines; every other line is one JSON log event.
        var events = runner.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("READY ", StringComparison.Ordinal) && !l.StartsWith("STATE ", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToList();
        Assert.NotEmpty(events);
        var primary = events.First(e => e.GetProperty("EventId").GetInt32() == 5300
            && e.GetProperty("State").GetProperty("To").GetString() == "Primary");
        var state = primary.GetProperty("State");
        Assert.Equal(Roles.DataCoord, state.GetProperty("Role").GetString());
        Assert.True(state.GetProperty("ServerId").GetInt64() > 0, state.ToString());
        Assert.True(state.GetProperty("Term").GetInt64() > 0, state.ToString());
        Assert.Equal("Coordinators.Actors.Election.CoordinatorActor", primary.GetProperty("Category").GetString());
    }

    [Fact]
    public async Task Run_StopOnStdinEof_PrimaryResignsWhenStdinClosesAndExitsZero()
    {
        // What happens to the demo's children when the demo itself is SIGKILLed: the kernel closes their stdin.
        var root = EtcdSingleFixture.Prefix() + "c";
        var layout = new EtcdLayout(root);
        await using var runner = HostRunner.Start(
            ["run", "--role", Roles.IndexCoord, "--etcd", etcd.Cluster.ClientUrls[0], "--root", root, "--session-ttl", "10s", "--stop-on-stdin-eof"]);
        var active = await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, Roles.IndexCoord, _ => true, Backstop);

        runner.CloseStandardInput();

        Assert.Equal(0, await runner.WaitForExitAsync(Backstop));
        // A clean resign, not a lease expiry: with a 10 s TTL the keys would still be there otherwise.
        Assert.Empty((await etcd.Client.GetAsync(layout.ActiveKey(Roles.IndexCoord))).Kvs);
        Assert.Empty((await etcd.Client.GetAsync(layout.SessionKey(Roles.IndexCoord, active.ServerId))).Kvs);
        Assert.Contains("standard input closed", runner.StandardError + runner.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownRole_ExitsWithBadConfiguration()
    {
        var result = await HostRunner.RunAsync(["run", "--role", "kingcoord", "--etcd", etcd.Cluster.ClientUrls[0]]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown role 'kingcoord'", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ExitOnSessionLossOn_PrimaryThatLostItsSessionExitsThree()
    {
        var root = EtcdSingleFixture.Prefix() + "c";
        var layout = new EtcdLayout(root);
        await using var runner = HostRunner.Start(
            ["run", "--role", Roles.RootCoord, "--etcd", etcd.Cluster.ClientUrls[0], "--root", root, "--session-ttl", "2s", "--stop-on-stdin-eof"],
            new Dictionary<string, string?> { ["COORDINATORS__EXIT_ON_SESSION_LOSS"] = "on" });
        await runner.WaitForLineAsync(l => l.StartsWith("STATE ", StringComparison.Ordinal) && l.Contains("state=Healthy", StringComparison.Ordinal), Backstop);
        var active = await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, Roles.RootCoord, _ => true, Backstop);

        await etcd.Client.RevokeLeaseAsync(active.LeaseId);

        Assert.Equal(3, await runner.WaitForExitAsync(Backstop));
    }

    [Fact]
    public async Task Status_Json_PrimaryStandbyInQueueOrderAndSessions()
    {
        var root = EtcdSingleFixture.Prefix() + "c";
        await using var a = await CoordinatorProcess.StartAsync(Roles.RootCoord, etcd.Cluster.ClientUrls, root);
        await CoordinatorProcess.WaitForActiveAsync(etcd.Client, new EtcdLayout(root), Roles.RootCoord, s => s.ServerId == a.ServerId, Backstop);
        await using var b = await CoordinatorProcess.StartAsync(Roles.RootCoord, etcd.Cluster.ClientUrls, root);
        await using var n = await CoordinatorProcess.StartAsync(Roles.DataNode, etcd.Cluster.ClientUrls, root);

        var result = await HostRunner.RunAsync(["status", "--etcd", etcd.Cluster.ClientUrls[0], "--root", root, "--json"]);

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.StandardOutput);
        var rootcoord = json.RootElement.GetProperty("coordinators").EnumerateArray().Single(r => r.GetProperty("role").GetString() == "rootcoord");
        Assert.Equal(a.ServerId, rootcoord.GetProperty("primary").GetProperty("serverId").GetInt64());
        Assert.Equal(a.Runner.ProcessId, rootcoord.GetProperty("primary").GetProperty("pid").GetInt32());
        Assert.True(rootcoord.GetProperty("primary").GetProperty("term").GetInt64() > 0);
        Assert.Equal([a.ServerId, b.ServerId], rootcoord.GetProperty("queue").EnumerateArray().Select(c => c.GetProperty("serverId").GetInt64()));
        Assert.Equal([(Roles.DataNode, n.ServerId), (Roles.RootCoord, a.ServerId), (Roles.RootCoord, b.ServerId)],
            json.RootElement.GetProperty("sessions").EnumerateArray().Select(s => (s.GetProperty("role").GetString(), s.GetProperty("serverId").GetInt64())));

        var table = await HostRunner.RunAsync(["status", "--etcd", etcd.Cluster.ClientUrls[0], "--root", root]);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains(a.Address, table.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusWatch_Json_PrintsAgainOnEachChangeUntilSigint()
    {
        var root = EtcdSingleFixture.Prefix() + "c";
        await using var watch = HostRunner.Start(["status", "--etcd", etcd.Cluster.ClientUrls[0], "--root", root, "--json", "--watch", "--stop-on-stdin-eof"]);
        static long[] Sessions(string line) =>
            [.. JsonDocument.Parse(line).RootElement.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("serverId").GetInt64())];
        var first = await watch.WaitForLineAsync(l => l.StartsWith('{'), Backstop);
        Assert.Empty(Sessions(first));

        await using var node = await CoordinatorProcess.StartAsync(Roles.DataNode, etcd.Cluster.ClientUrls, root);
        await watch.WaitForLineAsync(l => l.StartsWith('{') && Sessions(l).SequenceEqual([node.ServerId]), Backstop);
        node.Runner.Signal(UnixSignal.SIGTERM);
        Assert.Equal(0, await node.Runner.WaitForExitAsync(Backstop));
        // Lines are matched in the order printed: the first empty one after a line showing the node is the redraw
        // for the session's DELETE.
        var sawNode = false;
        await watch.WaitForLineAsync(l =>
        {
            var sessions = l.StartsWith('{') ? Sessions(l) : null;
            sawNode |= sessions is [var id] && id == node.ServerId;
            return sawNode && sessions is [];
        }, Backstop);

        watch.Signal(UnixSignal.SIGINT);
        Assert.Equal(0, await watch.WaitForExitAsync(Backstop));
    }

    [Fact]
    public async Task StatusWatch_StopOnStdinEof_ExitsZeroWhenStdinCloses()
    {
        var root = EtcdSingleFixture.Prefix() + "c";
        await using var watch = HostRunner.Start(["status", "--etcd", etcd.Cluster.ClientUrls[0], "--root", root, "--json", "--watch", "--stop-on-stdin-eof"]);
        await watch.WaitForLineAsync(l => l.StartsWith('{'), Backstop);

        watch.CloseStandardInput();

        Assert.Equal(0, await watch.WaitForExitAsync(Backstop));
    }
}
