using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Tests.Fixtures;
using Xunit.Abstractions;
using StateCode = Coordinators.Actors.Components.Proto.StateCode;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Election;

/// <summary>Coordinators through etcd failures: a lost member changes nothing; a lost cluster stops every primary until it is back.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EtcdOutageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ThreeMembers_OneFollowerKilled_NoFailover()
    {
        await using var cluster = await EtcdCluster.StartThreeAsync();
        using var etcd = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls });
        // Kill a follower (a leader change alone can stall writes for ~1.6 s) and list it first, so clients must move off it.
        var statuses = await Task.WhenAll(cluster.ClientUrls.Select(u => etcd.StatusAsync(u)));
        var follower = Enumerable.Range(0, 3).First(i => statuses[i].Header.MemberId != statuses[i].Leader);
        var endpoints = cluster.ClientUrls.OrderBy(u => u == cluster.ClientUrls[follower] ? 0 : 1).ToList();
        var layout = new EtcdLayout("c");
        await using var a = await CoordinatorProcess.StartAsync(Roles.QueryCoord, endpoints, layout.Root);
        var primary = await CoordinatorProcess.WaitForActiveAsync(etcd, layout, Roles.QueryCoord, s => s.ServerId == a.ServerId, Backstop);
        await using var b = await CoordinatorProcess.StartAsync(Roles.QueryCoord, endpoints, layout.Root);

        cluster.Kill(follower);
        var revision = (await etcd.GetAsync(layout.ActiveKey(Roles.QueryCoord))).Header.Revision;
        // Three TTLs: every lease would have expired by now without keep-alives through the other members.
        using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(6));
        var changes = 0;
        try
        {
            await foreach (var r in etcd.Watch(layout.ActiveKey(Roles.QueryCoord), new WatchOptions { StartRevision = revision + 1 }, quiet.Token))
            {
                changes += r.Events.Count;
            }
        }
        catch (OperationCanceledException) when (quiet.IsCancellationRequested)
        {
        }

        Assert.Equal(0, changes);
        Assert.Equal(1, await CoordinatorProcess.ReadEpochAsync(etcd, layout, Roles.QueryCoord));
        Assert.Equal((StateCode.Healthy, primary.Term), ((await a.GetStatesAsync()).State, (await a.GetStatesAsync()).Term));
        Assert.Equal(StateCode.StandBy, (await b.GetStatesAsync()).State);
    }

    [Fact]
    public async Task WholeEtcdDownLongerThanTtl_EveryPrimaryStops_BackAgainOnePrimaryPerRole()
    {
        await using var cluster = await EtcdCluster.StartSingleAsync();
        var layout = new EtcdLayout("c");
        var processes = new List<CoordinatorProcess>();
        try
        {
            foreach (var role in Roles.Coordinators)
            {
                processes.Add(await CoordinatorProcess.StartAsync(role, cluster.ClientUrls, layout.Root));
            }
            foreach (var p in processes)
            {
                await p.WaitForStatesAsync(s => s.State == StateCode.Healthy, Backstop);
            }
            var pids = processes.Select(p => p.Runner.ProcessId).ToList();

            cluster.Kill(0);
            var down = System.Diagnostics.Stopwatch.StartNew();
            foreach (var p in processes)
            {
                await p.WaitForStatesAsync(s => s.State != StateCode.Healthy, TimeSpan.FromSeconds(4));
            }
            output.WriteLine($"every primary stopped serving {down.ElapsedMilliseconds} ms after etcd went down");
            Assert.True(down.Elapsed < TimeSpan.FromSeconds(3), $"primaries still served {down.ElapsedMilliseconds} ms after etcd died");

            await cluster.RestartAsync(0);
            using var etcd = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls });
            foreach (var p in processes)
            {
                var states = await p.WaitForStatesAsync(s => s.State == StateCode.Healthy, Backstop);
                var active = await CoordinatorProcess.WaitForActiveAsync(etcd, layout, p.Role, s => s.ServerId == states.ServerId, Backstop);
                Assert.Equal(states.Term, active.Term);
                Assert.Equal(2, await CoordinatorProcess.ReadEpochAsync(etcd, layout, p.Role));
            }
            Assert.Equal(pids, processes.Select(p => p.Runner.ProcessId));
            Assert.All(processes, p => Assert.False(p.Runner.HasExited));
            // A state change without a session is printed too: the session's loss, while standing by.
            Assert.All(processes, p => Assert.Contains($"STATE role={p.Role} serverId=0 state=StandBy term=0", p.Runner.StandardOutput, StringComparison.Ordinal));
        }
        finally
        {
            foreach (var p in processes)
            {
                await p.DisposeAsync();
            }
        }
    }
}
