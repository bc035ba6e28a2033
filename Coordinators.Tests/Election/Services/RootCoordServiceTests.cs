using System.Globalization;
using Coordinators.Actors.Config;
using Coordinators.Actors.Election;
using Coordinators.Actors.Election.Services;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;
using Coordinators.Tests.Etcd;
using Coordinators.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;

namespace Coordinators.Tests.Election.Services;

/// <summary>RootCoordService against real etcd, on a fake clock (the clock is what these tests are about).</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class RootCoordServiceTests(EtcdSingleFixture etcd) : IClassFixture<EtcdSingleFixture>
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));

    [Fact]
    public async Task Start_PersistedBoundAheadOfClock_WaitsForTheClockThenStartsAboveIt()
    {
        var layout = EtcdSingleFixture.NewLayout();
        var bound = _time.GetUtcNow().ToUnixTimeMilliseconds() + 5_000;
        await etcd.Client.PutAsync(layout.TsoKey, bound.ToString(CultureInfo.InvariantCulture));
        var (service, store, _) = await NewPrimaryAsync(layout);
        using var leadership = new CancellationTokenSource();

        var start = service.StartAsync(store.Term, store, leadership.Token);
        _time.Advance(TimeSpan.FromMilliseconds(4_999));
        // Only fake time can end the wait: give a wrong start every chance to finish, then look.
        await Task.WhenAny(start, Task.Delay(300));
        Assert.False(start.IsCompleted, "served while the clock was still at or below the persisted bound");
        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => service.AllocTimestampAsync(1, CancellationToken.None));

        _time.Advance(TimeSpan.FromMilliseconds(2));
        await start.WaitAsync(TimeSpan.FromSeconds(10));
        var (ts, term) = await service.AllocTimestampAsync(1, CancellationToken.None);
        Assert.Equal(store.Term, term);
        Assert.True((long)(ts >> TimestampOracle.LogicalBits) > bound, $"physical {ts >> 18} is not above the bound {bound}");
        // The new bound was persisted before the first timestamp: a window ahead of the opening.
        Assert.Equal((long)(ts >> TimestampOracle.LogicalBits) + 1_000, await ReadAsync(layout.TsoKey));
    }

    [Fact]
    public async Task Allocate_GuardExpired_HandsOutNothing()
    {
        var layout = EtcdSingleFixture.NewLayout();
        var (service, store, guard) = await NewPrimaryAsync(layout, TimeSpan.FromSeconds(2));
        using var leadership = new CancellationTokenSource();
        await service.StartAsync(store.Term, store, leadership.Token).WaitAsync(TimeSpan.FromSeconds(10));
        var (first, _) = await service.AllocIdAsync(3, CancellationToken.None);
        Assert.Equal(1, first);

        // Paused past the guard deadline: no keep-alive acknowledged within TTL - margin.
        _time.Advance(guard.Ttl);
        Assert.False(guard.IsValid);
        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => service.AllocTimestampAsync(1, CancellationToken.None));
        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => service.AllocIdAsync(1, CancellationToken.None));
    }

    [Fact]
    public async Task IdsAndTimestamps_AcrossTerms_NeverRepeatOrGoBack()
    {
        var layout = EtcdSingleFixture.NewLayout();
        var seenIds = new HashSet<long>();
        ulong last = 0;
        for (var term = 0; term < 3; term++)
        {
            var (service, store, _) = await NewPrimaryAsync(layout);
            using var leadership = new CancellationTokenSource();
            var start = service.StartAsync(store.Term, store, leadership.Token);
            // The previous term ended without a resign (a crash): its bound is up to a window ahead.
            while (!start.IsCompleted)
            {
                _time.Advance(TimeSpan.FromMilliseconds(100));
                await Task.WhenAny(start, Task.Delay(20));
            }
            await start;
            for (var i = 0; i < 50; i++)
            {
                var (ts, _) = await service.AllocTimestampAsync(1 + i % 7, CancellationToken.None);
                Assert.True(ts > last, $"term {term}: {ts} after {last}");
                last = ts + (ulong)(i % 7);
                var (id, _) = await service.AllocIdAsync(700, CancellationToken.None);
                for (var k = 0; k < 700; k++)
                {
                    Assert.True(seenIds.Add(id + k), $"id {id + k} handed out twice");
                }
                _time.Advance(TimeSpan.FromMilliseconds(37));
            }
            await leadership.CancelAsync();
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task CloseForResign_LowersTheBoundsToWhatWasHandedOut()
    {
        var layout = EtcdSingleFixture.NewLayout();
        var (service, store, _) = await NewPrimaryAsync(layout);
        using var leadership = new CancellationTokenSource();
        await service.StartAsync(store.Term, store, leadership.Token).WaitAsync(TimeSpan.FromSeconds(10));
        var (ts, _) = await service.AllocTimestampAsync(1, CancellationToken.None);
        var (id, _) = await service.AllocIdAsync(5, CancellationToken.None);

        var ops = service.CloseForResign();
        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => service.AllocTimestampAsync(1, CancellationToken.None));
        await store.TxnAsync([], ops);
        Assert.Equal((long)(ts >> TimestampOracle.LogicalBits), await ReadAsync(layout.TsoKey));
        Assert.Equal(id + 5, await ReadAsync(layout.IdKey));
    }

    private async Task<(RootCoordService Service, FencedStore Store, LeaseGuard Guard)> NewPrimaryAsync(EtcdLayout layout, TimeSpan? ttl = null)
    {
        // The fake clock moves by seconds here; the guard test alone wants a TTL it can outrun.
        var candidate = layout.CandidateKey(Roles.RootCoord, Random.Shared.NextInt64(1, long.MaxValue));
        var put = await etcd.Client.PutAsync(candidate, "test");
        var guard = new LeaseGuard(_time, ttl ?? TimeSpan.FromHours(1), TimeSpan.FromMilliseconds(400));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        guard.Acknowledged(_time.GetTimestamp());
        var service = new RootCoordService(etcd.Client, layout, new RootCoordOptions { TsoWindow = TimeSpan.FromSeconds(1), IdBlock = 1000 }, guard, _time);
        return (service, new FencedStore(etcd.Client, candidate, put.Header.Revision, guard), guard);
    }

    private async Task<long> ReadAsync(string key)
    {
        var r = await etcd.Client.GetAsync(key);
        return long.Parse(r.Kvs[0].Value.ToStringUtf8(), CultureInfo.InvariantCulture);
    }
}
