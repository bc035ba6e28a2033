using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;
using Coordinators.Tests.Fixtures;
using Xunit.Abstractions;
using StateCode = Coordinators.Actors.Components.Proto.StateCode;

namespace Coordinators.Tests.Election;

/// <summary>
/// Real coordinator processes on a real 3-member etcd that loses its raft leader: etcd re-elects within ~2 s, which the
/// keep-alive must ride out, so the primary never steps down (TTL 3 s for a SIGKILL, TTL 4 s for a 2 s SIGSTOP).
/// </summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EtcdLeaderFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task EtcdLeaderKilledThreeTimes_Ttl3s_NoStepDown()
    {
        await using var cluster = await EtcdCluster.StartThreeAsync();
        await RunAsync(cluster, "3s", 3, async leader =>
        {
            cluster.Kill(leader);
            await Task.Delay(TimeSpan.FromSeconds(3)); // the fault's length: one TTL without that member
            await cluster.RestartAsync(leader);
        });
    }

    [Fact]
    public async Task EtcdLeaderPausedTwoSecondsTwice_Ttl4s_NoStepDown()
    {
        await using var cluster = await EtcdCluster.StartThreeAsync();
        await RunAsync(cluster, "4s", 2, async leader =>
        {
            cluster.Pause(leader);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2)); // the fault's length
            }
            finally
            {
                cluster.Resume(leader);
            }
        });
    }

    private async Task RunAsync(EtcdCluster cluster, string ttl, int faults, Func<int, Task> fault)
    {
        using var etcd = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls });
        var layout = new EtcdLayout("c");
        await using var a = await CoordinatorProcess.StartAsync(Roles.RootCoord, cluster.ClientUrls, layout.Root, ttl);
        var primary = await CoordinatorProcess.WaitForActiveAsync(etcd, layout, Roles.RootCoord, s => s.ServerId == a.ServerId, Backstop);
        await using var b = await CoordinatorProcess.StartAsync(Roles.RootCoord, cluster.ClientUrls, layout.Root, ttl);
        await b.WaitForStatesAsync(s => s.State == StateCode.StandBy, Backstop);
        var revision = (await etcd.GetAsync(layout.ActiveKey(Roles.RootCoord))).Header.Revision;

        for (var i = 0; i < faults; i++)
        {
            var leader = await LeaderIndexAsync(etcd, cluster);
            await fault(leader);
            await Task.Delay(TimeSpan.FromSeconds(1)); // settle before the next fault, as a chaos run does
            output.WriteLine($"fault {i + 1} on etcd member {leader}: primary {(await a.GetStatesAsync()).State}");
        }

        var changes = (await etcd.GetAsync(layout.ActiveKey(Roles.RootCoord))).Kvs[0].ModRevision;
        var stepDowns = a.Runner.StandardOutput.Split('\n').SkipWhile(l => !l.Contains("state=Healthy", StringComparison.Ordinal))
            .Count(l => l.StartsWith("STATE ", StringComparison.Ordinal) && !l.Contains("state=Healthy", StringComparison.Ordinal));
        output.WriteLine($"step-downs of the primary: {stepDowns}");
        Assert.Equal(0, stepDowns);
        Assert.True(changes <= revision, "the active key was written again: a takeover happened");
        Assert.Equal(1, await CoordinatorProcess.ReadEpochAsync(etcd, layout, Roles.RootCoord));
        Assert.Equal((StateCode.Healthy, primary.Term), ((await a.GetStatesAsync()).State, (await a.GetStatesAsync()).Term));
    }

    private static async Task<int> LeaderIndexAsync(EtcdClient client, EtcdCluster cluster)
    {
        for (var i = 0; i < cluster.ClientUrls.Count; i++)
        {
            var status = await client.StatusAsync(cluster.ClientUrls[i]);
            if (status.Header.MemberId == status.Leader)
            {
                return i;
            }
        }
        throw new InvalidOperationException("no member reports itself the leader");
    }
}
