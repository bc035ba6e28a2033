using Coordinators.Actors.Election;
using Coordinators.Actors.Election.Services;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;
using Coordinators.Tests.Fixtures;

namespace Coordinators.Tests.Election;

/// <summary>The fenced epoch counter on a real 3-member etcd: one increment per term, however often a term starts.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EpochServiceTests
{
    [Fact]
    public async Task Start_SameTermAgainAfterStop_DoesNotIncrementTwice_NewTermDoes()
    {
        await using var cluster = await EtcdCluster.StartThreeAsync();
        using var etcd = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls });
        var layout = new EtcdLayout("c");
        var lease = await etcd.GrantLeaseAsync(30);
        var candidate = layout.CandidateKey(Roles.RootCoord, lease.ID);
        var term = (await etcd.PutAsync(candidate, "x", lease.ID)).Header.Revision;
        var service = new RootCoordService(etcd, layout);
        await service.WarmUpAsync(CancellationToken.None);

        await service.StartAsync(term, new FencedStore(etcd, candidate, term), CancellationToken.None);
        Assert.Equal(1, await CoordinatorProcess.ReadEpochAsync(etcd, layout, Roles.RootCoord));
        // The guard expired, the primary stepped down, its lease and key survived: it leads again with the same term.
        await service.StopAsync(CancellationToken.None);
        await service.StartAsync(term, new FencedStore(etcd, candidate, term), CancellationToken.None);
        Assert.Equal(1, await CoordinatorProcess.ReadEpochAsync(etcd, layout, Roles.RootCoord));
        Assert.Equal(1, service.Epoch);

        // A new candidate key is a new term: one more increment.
        await etcd.DeleteAsync(candidate);
        var next = (await etcd.PutAsync(candidate, "x", lease.ID)).Header.Revision;
        await service.StopAsync(CancellationToken.None);
        await service.StartAsync(next, new FencedStore(etcd, candidate, next), CancellationToken.None);
        Assert.Equal(2, await CoordinatorProcess.ReadEpochAsync(etcd, layout, Roles.RootCoord));
    }

    [Fact]
    public async Task Start_SameTermButCounterMovedMeanwhile_Increments()
    {
        await using var cluster = await EtcdCluster.StartSingleAsync();
        using var etcd = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls });
        var layout = new EtcdLayout("c");
        var lease = await etcd.GrantLeaseAsync(30);
        var candidate = layout.CandidateKey(Roles.RootCoord, lease.ID);
        var term = (await etcd.PutAsync(candidate, "x", lease.ID)).Header.Revision;
        var service = new RootCoordService(etcd, layout);
        await service.StartAsync(term, new FencedStore(etcd, candidate, term), CancellationToken.None);
        // Someone else wrote the counter: the value is no longer this term's, so the start counts (compare-and-increment).
        await etcd.PutAsync(layout.EpochKey(Roles.RootCoord), "5");
        await service.StopAsync(CancellationToken.None);
        await service.StartAsync(term, new FencedStore(etcd, candidate, term), CancellationToken.None);
        Assert.Equal(6, await CoordinatorProcess.ReadEpochAsync(etcd, layout, Roles.RootCoord));
    }
}
