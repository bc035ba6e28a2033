using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Model;
using Coordinators.Host.Chaos;
using Coordinators.Tests.Fixtures;
using Grpc.Core;
using Xunit.Abstractions;

namespace Coordinators.Tests.Chaos;

/// <summary>
/// The three partition kinds of the chaos run on real processes, a real 3-member etcd and real network namespaces cut
/// by nftables, observed from the root namespace (which no cut ever separates from anyone).
/// </summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class PartitionTests : IClassFixture<PartitionCluster>
{
    private static readonly double TtlMs = PartitionCluster.Ttl.TotalMilliseconds;
    private readonly PartitionCluster _cluster;
    private readonly ITestOutputHelper _output;

    public PartitionTests(PartitionCluster cluster, ITestOutputHelper output)
    {
        _cluster = cluster;
        _output = output;
    }

    [Fact]
    public async Task PrimaryCutFromEtcd_StopsServingBeforeItsTtl_StandbyTakesOverWhileCut_RejoinsAfterHeal()
    {
        await _cluster.WaitWholeAsync();
        var (victim, primary) = _cluster.Primary(Roles.RootCoord);

        var (at, healedAt) = await _cluster.Partitions.CutAndHealAsync(victim.Name, EtcdTrio.HostNames, PartitionCluster.Ttl + TimeSpan.FromSeconds(2), CancellationToken.None);

        // Its guard stopped it (an answer other than Healthy, seen from the root namespace), and no question sent a TTL
        // or more after the cut (when its lease could first expire) was answered Healthy; another server took over
        // while it was still cut.
        var stopped = _cluster.Observer.StoppedServingAt(primary.Pid, at) - at;
        var servedUntil = _cluster.Observer.ServedUntil(primary.ServerId, at) - at;
        var takeover = _cluster.Observer.FirstHealthyAfter(Roles.RootCoord, at, primary.ServerId) - at;
        _output.WriteLine($"cut {victim.Name} (server {primary.ServerId}) from etcd: last Healthy question sent {servedUntil:F0} ms after the cut, first other answer received {stopped:F0} ms, takeover after {takeover:F0} ms, healed after {healedAt - at:F0} ms");
        Assert.True(stopped is not null, "the primary cut from etcd never answered other than Healthy");
        Assert.True(servedUntil is not null, "the primary answered no Healthy question after the cut: the cut came before the sampler saw it serve");
        Assert.True(servedUntil < TtlMs, $"it answered Healthy to a question sent {servedUntil:F0} ms after the cut, TTL {TtlMs} ms");
        Assert.True(takeover is not null, "no standby took over");
        Assert.InRange(takeover!.Value, servedUntil!.Value, healedAt - at);
        Assert.True(takeover <= PartitionCluster.Bound.TotalMilliseconds, $"takeover {takeover:F0} ms after the cut");
        Assert.Empty(ChaosObserver.Overlaps(_cluster.Observer.Intervals()));
        Assert.Equal(0, _cluster.Sampler.ViolationCount);
        Assert.NotEqual(primary.ServerId, _cluster.View.Current.Active[Roles.RootCoord].ServerId);

        // Healed: the old primary comes back with a new session, as a standby, and its cut is gone.
        await _cluster.WaitWholeAsync();
        var again = _cluster.View.Current.Sessions.Values.Single(s => s.Pid == victim.Pid);
        Assert.NotEqual(primary.ServerId, again.ServerId);
        Assert.Equal("StandBy", _cluster.Sampler.Latest[again.ServerId].State);
        Assert.DoesNotContain("coordp_cut", await _cluster.Network.RulesetAsync(victim.Name), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EtcdLeaderCutFromTheOtherTwo_AnotherMemberLeads_RootcoordKeepsAPrimary_MemberRejoins()
    {
        await _cluster.WaitWholeAsync();
        var leader = await _cluster.Etcd.LeaderAsync(CancellationToken.None) ?? throw new InvalidOperationException("no etcd leader");
        int[] others = [.. Enumerable.Range(0, 3).Where(i => i != leader)];

        var cut = _cluster.Partitions.CutAndHealAsync(EtcdTrio.HostNames[leader], [.. others.Select(i => EtcdTrio.HostNames[i])], TimeSpan.FromSeconds(5), CancellationToken.None);
        var otherLed = await PartitionCluster.PollAsync(
            async () => await _cluster.Etcd.LeadsAsync(others[0], CancellationToken.None) || await _cluster.Etcd.LeadsAsync(others[1], CancellationToken.None),
            TimeSpan.FromSeconds(4.5));
        var (at, healedAt) = await cut;

        _output.WriteLine($"cut {EtcdTrio.HostNames[leader]} (leader) off for {healedAt - at:F0} ms: another member led: {otherLed}");
        Assert.True(otherLed, $"neither {EtcdTrio.HostNames[others[0]]} nor {EtcdTrio.HostNames[others[1]]} led while {EtcdTrio.HostNames[leader]} was cut off");
        await _cluster.Etcd.WaitHealthyAsync(leader, TimeSpan.FromSeconds(20), CancellationToken.None);
        await _cluster.WaitWholeAsync();
        // Through the cut and its heal (a healed member with a higher raft term can depose the leader).
        var gap = _cluster.Observer.LongestWithoutPrimary(Roles.RootCoord, at, _cluster.Events.NowMs);
        _output.WriteLine($"rootcoord's longest time without a Healthy answer, cut to whole again: {gap:F0} ms");
        Assert.True(gap <= PartitionCluster.Bound.TotalMilliseconds, $"rootcoord had no Healthy answer for {gap:F0} ms");
        Assert.Empty(ChaosObserver.Overlaps(_cluster.Observer.Intervals()));
        Assert.Equal(0, _cluster.Sampler.ViolationCount);
    }

    [Fact]
    public async Task PrimaryCutFromClients_KeepsServingWithoutTakeover_ClientCallsFailWhileCut_AnsweredAgainAfterHeal()
    {
        await _cluster.WaitWholeAsync();
        var (victim, primary) = _cluster.Primary(Roles.RootCoord);
        var proxy = _cluster.Children.All.Single(c => c.Role == Roles.Proxy);
        var before = await AllocThroughProxyAsync(proxy.ListenAddress, TimeSpan.FromSeconds(10));
        Assert.Equal(primary.ServerId, before.ServerId);
        var start = _cluster.Events.NowMs;

        var cut = _cluster.Partitions.CutAndHealAsync(victim.Name, [.. _cluster.Children.All.Where(c => c != victim).Select(c => c.Name)], TimeSpan.FromSeconds(3), CancellationToken.None);
        RpcException during;
        double at, healedAt;
        try
        {
            // Once the cut is in place (its event), a call through the proxy cannot reach the primary.
            Assert.True(await PartitionCluster.PollAsync(() => Task.FromResult(_cluster.Events.Snapshot().Any(e => e.Kind == "partition" && e.AtMs >= start)), TimeSpan.FromSeconds(5)));
            during = await Assert.ThrowsAsync<RpcException>(() => AllocThroughProxyAsync(proxy.ListenAddress, TimeSpan.FromSeconds(1)));
        }
        finally
        {
            (at, healedAt) = await cut;
        }

        Assert.Contains(during.StatusCode, new[] { StatusCode.DeadlineExceeded, StatusCode.Unavailable });
        var after = await FirstAnswerAsync(proxy.ListenAddress, TimeSpan.FromSeconds(20));
        _output.WriteLine($"cut {victim.Name} from its clients: the call during the cut ended {during.StatusCode}; a call succeeded {_cluster.Events.NowMs - healedAt:F0} ms after the heal");
        // The same primary, same term, answered all along: etcd never lost it, and the observer never saw it stop.
        Assert.Equal((primary.ServerId, before.Term), (after.ServerId, after.Term));
        Assert.Equal((primary.ServerId, primary.Term), (_cluster.View.Current.Active[Roles.RootCoord].ServerId, _cluster.View.Current.Active[Roles.RootCoord].Term));
        Assert.Null(_cluster.Observer.StoppedServingAt(primary.Pid, at));
        var gap = _cluster.Observer.LongestWithoutPrimary(Roles.RootCoord, at, healedAt);
        Assert.True(gap < TtlMs, $"rootcoord had no Healthy answer for {gap:F0} ms while only its clients were cut off");
        Assert.Empty(ChaosObserver.Overlaps(_cluster.Observer.Intervals()));
        await _cluster.WaitWholeAsync();
    }

    // Calls through the proxy until one is answered, backing off 50 ms doubling to 400 ms; throws the last error at the backstop.
    private async Task<AllocTimestampResponse> FirstAnswerAsync(string proxy, TimeSpan backstop)
    {
        var deadline = DateTime.UtcNow + backstop;
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            try
            {
                return await AllocThroughProxyAsync(proxy, TimeSpan.FromSeconds(1));
            }
            catch (RpcException) when (DateTime.UtcNow < deadline)
            {
                // The proxy's client of the primary is still offline from the cut: try again.
            }
            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(400, delay.TotalMilliseconds * 2));
        }
    }

    private Task<AllocTimestampResponse> AllocThroughProxyAsync(string proxy, TimeSpan timeout) =>
        new RootCoord.RootCoordClient(_cluster.Calls.Channel(proxy)).AllocTimestampAsync(new AllocTimestampRequest { Count = 1 }, deadline: DateTime.UtcNow + timeout).ResponseAsync;
}
