using Coordinators.Actors.Etcd;
using Mvccpb;
using Coordinators.Tests.Fixtures;

namespace Coordinators.Tests.Etcd;

[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EtcdLeaseWatchTests(EtcdSingleFixture etcd) : IClassFixture<EtcdSingleFixture>
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(20);
    private readonly EtcdClient _client = etcd.Client;
    private readonly string _p = EtcdSingleFixture.Prefix();

    [Fact]
    public async Task Lease_GrantTimeToLiveAndLeases_ReportTheLeaseAndItsKeys()
    {
        var lease = await _client.GrantLeaseAsync(30);
        Assert.Equal(30, lease.TTL);
        await _client.PutAsync(_p + "l", "v", lease.ID);
        var ttl = await _client.LeaseTimeToLiveAsync(lease.ID, keys: true);
        Assert.Equal(30, ttl.GrantedTTL);
        Assert.InRange(ttl.TTL, 1, 30);
        Assert.Equal(_p + "l", Assert.Single(ttl.Keys).ToStringUtf8());
        Assert.Contains((await _client.LeasesAsync()).Leases, l => l.ID == lease.ID);
        await _client.RevokeLeaseAsync(lease.ID);
        Assert.Equal(-1, (await _client.LeaseTimeToLiveAsync(lease.ID)).TTL);
    }

    [Fact]
    public async Task Lease_Revoke_WatchSeesDeleteOfAttachedKey()
    {
        var lease = await _client.GrantLeaseAsync(60);
        var put = await _client.PutAsync(_p + "rv", "v", lease.ID);
        using var cts = new CancellationTokenSource(Backstop);
        await using var watch = _client.Watch(_p + "rv", new WatchOptions { StartRevision = put.Header.Revision + 1, PrevKv = true }, cts.Token).GetAsyncEnumerator(cts.Token);
        await _client.RevokeLeaseAsync(lease.ID);
        Assert.True(await watch.MoveNextAsync());
        var ev = Assert.Single(watch.Current.Events);
        Assert.Equal(Event.Types.EventType.Delete, ev.Type);
        Assert.Equal("v", ev.PrevKv.Value.ToStringUtf8());
    }

    [Fact]
    public async Task Lease_Expiry_WatchSeesDeleteWithinTtlPlusTick()
    {
        var lease = await _client.GrantLeaseAsync(2);
        var put = await _client.PutAsync(_p + "ex", "v", lease.ID);
        using var cts = new CancellationTokenSource(Backstop);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await foreach (var r in _client.Watch(_p + "ex", new WatchOptions { StartRevision = put.Header.Revision + 1 }, cts.Token))
        {
            Assert.Equal(Event.Types.EventType.Delete, Assert.Single(r.Events).Type);
            break;
        }
        // A backstop, not a figure: etcd's lessor expires leases on its own ticks, and a CI run on a loaded machine saw
        // this 2 s lease's DELETE after 9.0 s.
        Assert.InRange(sw.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task KeepAlive_ReportsAcknowledgementsWithTtlAndSendTimeThenRevoked()
    {
        var lease = await _client.GrantLeaseAsync(5);
        await using var ka = _client.KeepAlive(lease.ID, TimeSpan.FromMilliseconds(200));
        var acks = new List<LeaseAcknowledged>();
        await foreach (var e in ka.Events.ReadAllAsync(new CancellationTokenSource(Backstop).Token))
        {
            acks.Add(Assert.IsType<LeaseAcknowledged>(e));
            if (acks.Count == 3)
            {
                break;
            }
        }
        Assert.All(acks, a => Assert.Equal(5, a.Ttl));
        Assert.All(acks, a => Assert.True(a.SentTimestamp <= a.ReceivedTimestamp));
        Assert.True(acks[1].SentTimestamp > acks[0].SentTimestamp);
        await _client.RevokeLeaseAsync(lease.ID);
        var lost = await LastEventAsync(ka);
        Assert.Equal(LeaseLossReason.Revoked, Assert.IsType<LeaseLost>(lost).Reason);
    }

    [Fact]
    public async Task KeepAlive_Healthy_WakesAFewTimesPerPeriodNotInALoop()
    {
        // The loop waited on "a stream ended" as "its reader ended or its last write completed": each successful write
        // completed it, and the loop spun a core for the lease's whole life (every process of the demo did).
        var lease = await _client.GrantLeaseAsync(5);
        await using var ka = _client.KeepAlive(lease.ID, TimeSpan.FromMilliseconds(100));
        var acks = 0;
        await foreach (var e in ka.Events.ReadAllAsync(new CancellationTokenSource(Backstop).Token))
        {
            Assert.IsType<LeaseAcknowledged>(e);
            if (++acks == 10)
            {
                break;
            }
        }
        // Per period: one wake-up to send, one to check the answer came before the stall time; room for slack.
        Assert.InRange(ka.Wakeups, 1, (4 * acks) + 10);
        await _client.RevokeLeaseAsync(lease.ID);
    }

    [Fact]
    public async Task KeepAlive_UnknownLease_ReportsExpired()
    {
        await using var ka = _client.KeepAlive(0x7777_0000_1234, TimeSpan.FromMilliseconds(200));
        var lost = Assert.IsType<LeaseLost>(await LastEventAsync(ka));
        Assert.Equal(LeaseLossReason.Expired, lost.Reason);
        Assert.Equal(0x7777_0000_1234, lost.LeaseId);
    }

    [Fact]
    public async Task KeepAliveOnce_RenewsAndReportsTtl()
    {
        var lease = await _client.GrantLeaseAsync(7);
        var r = await _client.KeepAliveOnceAsync(lease.ID);
        Assert.Equal(lease.ID, r.ID);
        Assert.Equal(7, r.TTL);
        await _client.RevokeLeaseAsync(lease.ID);
        Assert.Equal(0, (await _client.KeepAliveOnceAsync(lease.ID)).TTL);
    }

    [Fact]
    public async Task Watch_KeyPutAndDelete_DeliversEventsWithPrevKv()
    {
        using var cts = new CancellationTokenSource(Backstop);
        var created = await _client.PutAsync(_p + "w", "0");
        await using var watch = _client.Watch(_p + "w", new WatchOptions { PrevKv = true, StartRevision = created.Header.Revision + 1 }, cts.Token).GetAsyncEnumerator(cts.Token);
        await _client.PutAsync(_p + "w", "1");
        await _client.DeleteAsync(_p + "w");
        var events = new List<Event>();
        while (events.Count < 2 && await watch.MoveNextAsync())
        {
            events.AddRange(watch.Current.Events);
        }
        Assert.Equal([Event.Types.EventType.Put, Event.Types.EventType.Delete], events.Select(e => e.Type));
        Assert.Equal("1", events[0].Kv.Value.ToStringUtf8());
        Assert.Equal("0", events[0].PrevKv.Value.ToStringUtf8());
        Assert.Equal("1", events[1].PrevKv.Value.ToStringUtf8());
    }

    [Fact]
    public async Task Watch_PrefixFromOldRevision_ReplaysHistoryInOrder()
    {
        var first = await _client.PutAsync(_p + "h/a", "1");
        await _client.PutAsync(_p + "h/b", "2");
        await _client.PutAsync(_p + "hx", "outside");
        await _client.PutAsync(_p + "h/a", "3");
        using var cts = new CancellationTokenSource(Backstop);
        var seen = new List<string>();
        await foreach (var r in _client.Watch(_p + "h/", new WatchOptions { Prefix = true, StartRevision = first.Header.Revision }, cts.Token))
        {
            seen.AddRange(r.Events.Select(e => e.Kv.Key.ToStringUtf8()[_p.Length..] + "=" + e.Kv.Value.ToStringUtf8()));
            if (seen.Count >= 3)
            {
                break;
            }
        }
        Assert.Equal(["h/a=1", "h/b=2", "h/a=3"], seen);
    }

    [Fact]
    public async Task Watch_NoPutFilter_DeliversOnlyDeletes()
    {
        var start = await _client.PutAsync(_p + "f", "0");
        await _client.PutAsync(_p + "f", "1");
        await _client.DeleteAsync(_p + "f");
        using var cts = new CancellationTokenSource(Backstop);
        await foreach (var r in _client.Watch(_p + "f", new WatchOptions { NoPut = true, StartRevision = start.Header.Revision }, cts.Token))
        {
            Assert.Equal(Event.Types.EventType.Delete, Assert.Single(r.Events).Type);
            break;
        }
    }

    [Fact]
    public async Task Watch_FromCompactedRevision_ThrowsEtcdCompactedException()
    {
        var old = await _client.PutAsync(_p + "cw", "1");
        var latest = await _client.PutAsync(_p + "cw", "2");
        await _client.CompactAsync(latest.Header.Revision);
        using var cts = new CancellationTokenSource(Backstop);
        var e = await Assert.ThrowsAsync<EtcdCompactedException>(async () =>
        {
            await foreach (var unused in _client.Watch(_p + "cw", new WatchOptions { StartRevision = old.Header.Revision }, cts.Token))
            {
            }
        });
        Assert.Equal(latest.Header.Revision, e.CompactRevision);
        Assert.Equal(old.Header.Revision, e.RequestedRevision);
    }

    [Fact]
    public async Task Watch_Cancelled_EndsWithOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        var task = Task.Run(async () =>
        {
            await foreach (var unused in _client.Watch(_p + "never", cancellationToken: cts.Token))
            {
            }
        });
        await _client.PutAsync(_p + "other", "x");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(Backstop));
    }

    private static async Task<LeaseKeepAliveEvent> LastEventAsync(LeaseKeepAlive ka)
    {
        LeaseKeepAliveEvent? last = null;
        await foreach (var e in ka.Events.ReadAllAsync(new CancellationTokenSource(Backstop).Token))
        {
            last = e;
        }
        return last ?? throw new InvalidOperationException("no event");
    }
}
