using System.Globalization;
using Coordinators.Actors.Etcd;
using Mvccpb;
using Coordinators.Actors.Transport;
using Coordinators.Tests.Fixtures;

namespace Coordinators.Tests.Etcd;

/// <summary>Member failures: failover, watch resume, keep-alive loss. Each test owns its cluster.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EtcdClusterFailureTests
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Watch_MemberKilledWhileWriterPuts_SeesExactlyNEventsInOrder()
    {
        const int n = 200;
        await using var cluster = await EtcdCluster.StartThreeAsync();
        // The watcher starts on a follower, the writer on the other two; the follower is killed mid-way.
        // Killing the raft leader instead would make an in-flight put time out ambiguously, and
        // retrying it would write the key twice: this test is about the watch, not the writer.
        using var probe = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls });
        var leader = (await probe.StatusAsync(cluster.ClientUrls[0])).Leader;
        var followerUrl = (await probe.MemberListAsync()).Members.First(m => m.ID != leader).ClientURLs[0];
        var victim = cluster.ClientUrls.ToList().IndexOf(followerUrl);
        var others = cluster.ClientUrls.Where(u => u != followerUrl).ToArray();
        using var watcher = new EtcdClient(new EtcdClientOptions { Endpoints = [followerUrl, .. others] });
        using var writer = new EtcdClient(new EtcdClientOptions { Endpoints = others });
        var start = await writer.PutAsync("seq/start", "x");
        using var cts = new CancellationTokenSource(Backstop);
        var seen = new List<int>();
        var half = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watching = Task.Run(async () =>
        {
            await foreach (var r in watcher.Watch("seq/k", new WatchOptions { Prefix = true, StartRevision = start.Header.Revision + 1 }, cts.Token))
            {
                foreach (var e in r.Events)
                {
                    Assert.Equal(Event.Types.EventType.Put, e.Type);
                    seen.Add(int.Parse(e.Kv.Value.ToStringUtf8(), CultureInfo.InvariantCulture));
                }
                if (seen.Count >= n / 4)
                {
                    half.TrySetResult();
                }
                if (seen.Count >= n)
                {
                    return;
                }
            }
        }, cts.Token);
        for (var i = 0; i < n; i++)
        {
            if (i == n / 2)
            {
                await half.Task.WaitAsync(cts.Token);
                cluster.Kill(victim);
            }
            await writer.PutAsync("seq/k" + i.ToString("D4", CultureInfo.InvariantCulture), i.ToString(CultureInfo.InvariantCulture), cancellationToken: cts.Token);
        }
        await watching.WaitAsync(cts.Token);
        Assert.Equal(Enumerable.Range(0, n), seen);
        Assert.NotEqual(followerUrl, watcher.CurrentEndpoint);
    }

    [Fact]
    public async Task Calls_FirstEndpointKilled_ReadsAndRefusedWritesMoveToNextMember()
    {
        await using var cluster = await EtcdCluster.StartThreeAsync();
        // Put a follower first: killing the leader would make a write time out (ambiguous, rightly not retried).
        using var probe = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls });
        var status = await probe.StatusAsync(cluster.ClientUrls[0]);
        var follower = (await probe.MemberListAsync()).Members.Select((m, i) => (m, i)).First(x => x.m.ID != status.Leader).i;
        var follows = (await probe.MemberListAsync()).Members[follower].ClientURLs[0];
        var index = cluster.ClientUrls.ToList().IndexOf(follows);
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [follows, .. cluster.ClientUrls.Where(u => u != follows)] });
        await probe.PutAsync("fo/a", "1");
        // The client has no connection to the killed member yet, so its first write meets a refused connection.
        cluster.Kill(index);
        // Connection refused: the write cannot have been applied, so it is retried on the next member.
        await client.PutAsync("fo/b", "2");
        Assert.Equal("1", (await client.GetAsync("fo/a")).Kvs[0].Value.ToStringUtf8());
        Assert.Equal(2, (await client.GetPrefixAsync("fo/", new GetOptions { CountOnly = true })).Count);
        Assert.NotEqual(follows, client.CurrentEndpoint);
        Assert.Equal(3, (await client.MemberListAsync()).Members.Count);
    }

    [Fact]
    public async Task KeepAlive_MemberKilled_KeepsLeaseThroughAnotherMember()
    {
        await using var cluster = await EtcdCluster.StartThreeAsync();
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls });
        var lease = await client.GrantLeaseAsync(4);
        await using var ka = client.KeepAlive(lease.ID, TimeSpan.FromMilliseconds(500));
        using var cts = new CancellationTokenSource(Backstop);
        var acks = 0;
        await foreach (var e in ka.Events.ReadAllAsync(cts.Token))
        {
            Assert.IsType<LeaseAcknowledged>(e);
            if (++acks == 2)
            {
                cluster.Kill(0);
            }
            if (acks == 12)
            {
                break; // ~5 s after the kill: longer than the TTL, so renewals went through another member
            }
        }
        Assert.InRange((await client.LeaseTimeToLiveAsync(lease.ID)).TTL, 1, 4);
    }

    [Fact]
    public async Task KeepAlive_OnlyMemberKilled_ReportsStreamBrokenWithinTtl()
    {
        await using var cluster = await EtcdCluster.StartSingleAsync();
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls, DialTimeout = TimeSpan.FromSeconds(1) });
        var lease = await client.GrantLeaseAsync(2);
        await using var ka = client.KeepAlive(lease.ID, TimeSpan.FromMilliseconds(300));
        using var cts = new CancellationTokenSource(Backstop);
        var sw = new System.Diagnostics.Stopwatch();
        LeaseLost? lost = null;
        await foreach (var e in ka.Events.ReadAllAsync(cts.Token))
        {
            if (e is LeaseAcknowledged && !sw.IsRunning)
            {
                cluster.Kill(0);
                sw.Start();
            }
            lost = e as LeaseLost;
        }
        Assert.NotNull(lost);
        Assert.Equal(LeaseLossReason.StreamBroken, lost.Reason);
        Assert.InRange(sw.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task KeepAlive_OnlyMemberPaused_ReportsStreamBroken()
    {
        await using var cluster = await EtcdCluster.StartSingleAsync();
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls });
        var lease = await client.GrantLeaseAsync(2);
        await using var ka = client.KeepAlive(lease.ID, TimeSpan.FromMilliseconds(300));
        using var cts = new CancellationTokenSource(Backstop);
        LeaseLost? lost = null;
        var paused = false;
        try
        {
            await foreach (var e in ka.Events.ReadAllAsync(cts.Token))
            {
                if (!paused)
                {
                    cluster.Pause(0);
                    paused = true;
                }
                lost = e as LeaseLost;
            }
        }
        finally
        {
            cluster.Resume(0);
        }
        Assert.Equal(LeaseLossReason.StreamBroken, lost?.Reason);
    }

    [Fact]
    public async Task Unary_RefusedEndpointOnly_FailsUnavailable()
    {
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = ["http://127.0.0.1:" + LoopbackPorts.Next()] });
        var e = await Assert.ThrowsAsync<RpcException>(() => client.GetAsync("x"));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
    }
}
