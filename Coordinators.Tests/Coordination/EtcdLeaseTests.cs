using Akka.Actor;
using Akka.Configuration;
using Akka.Coordination;
using Coordinators.Actors.Coordination;
using Coordinators.Actors.Election;
using Coordinators.Actors.Etcd;
using Coordinators.Tests.Etcd;
using Coordinators.Tests.Fixtures;
using Xunit.Abstractions;

namespace Coordinators.Tests.Coordination;

/// <summary>EtcdLease against a real etcd: acquire, contention, release, keep-alive, loss by deletion, fencing.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EtcdLeaseTests(EtcdSingleFixture etcd, ITestOutputHelper testOutput)
    : Akka.TestKit.Xunit2.TestKit(EtcdLeaseTesting.SystemHocon, "lease-tests", testOutput), IClassFixture<EtcdSingleFixture>
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(10);
    private readonly string _root = "lease-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Acquire_FreeKey_TrueAndTermIsTheKeysCreateRevision()
    {
        await using var lease = Create("owner-a");

        Assert.True(await lease.Acquire());

        var kv = Assert.Single((await etcd.Client.GetAsync(lease.Key)).Kvs);
        Assert.Equal("owner-a", kv.Value.ToStringUtf8());
        Assert.Equal(kv.CreateRevision, lease.Term);
        Assert.NotEqual(0, kv.Lease);
        Assert.True(lease.CheckLease());
        // Re-entrant: the same owner acquiring again keeps its term.
        Assert.True(await lease.Acquire());
        Assert.Equal(kv.CreateRevision, lease.Term);
    }

    [Fact]
    public async Task Acquire_HeldByAnotherOwner_FalseUntilReleasedThenANewerTerm()
    {
        await using var a = Create("owner-a");
        await using var b = Create("owner-b");
        Assert.True(await a.Acquire());

        Assert.False(await b.Acquire());
        Assert.False(b.CheckLease());
        Assert.Equal(0, b.Term);
        Assert.Equal("owner-a", Assert.Single((await etcd.Client.GetAsync(a.Key)).Kvs).Value.ToStringUtf8());

        var first = a.Term;
        Assert.True(await a.Release());
        Assert.True(await b.Acquire());
        Assert.True(b.Term > first, $"term {b.Term} after {first}");
        Assert.False(a.CheckLease());
    }

    [Fact]
    public async Task Release_Held_DeletesTheKeyAndRevokesTheEtcdLease()
    {
        await using var lease = Create("owner-a");
        Assert.True(await lease.Acquire());
        var leaseId = Assert.Single((await etcd.Client.GetAsync(lease.Key)).Kvs).Lease;

        Assert.True(await lease.Release());

        Assert.Empty((await etcd.Client.GetAsync(lease.Key)).Kvs);
        Assert.Equal(-1, (await etcd.Client.LeaseTimeToLiveAsync(leaseId)).TTL);
        Assert.False(lease.CheckLease());
        Assert.Equal(0, lease.Term);
        Assert.True(await lease.Release());
    }

    [Fact]
    public async Task KeepAlive_ThreeTtlsLong_KeyUntouchedAndStillHeld()
    {
        await using var lease = Create("owner-a", ttl: "2s", interval: "500ms");
        var lost = new TaskCompletionSource<Exception?>();
        Assert.True(await lease.Acquire(e => lost.TrySetResult(e)));
        var revision = (await etcd.Client.GetAsync(lease.Key)).Header.Revision;

        // Watch the key for three TTLs: without keep-alives etcd would delete it after one.
        using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(6));
        var events = 0;
        try
        {
            await foreach (var r in etcd.Client.Watch(lease.Key, new WatchOptions { StartRevision = revision + 1 }, quiet.Token))
            {
                events += r.Events.Count;
            }
        }
        catch (OperationCanceledException) when (quiet.IsCancellationRequested)
        {
            // The quiet period is over.
        }

        Assert.Equal(0, events);
        Assert.True(lease.CheckLease());
        Assert.False(lost.Task.IsCompleted);
        Assert.Equal(lease.Term, Assert.Single((await etcd.Client.GetAsync(lease.Key)).Kvs).CreateRevision);
    }

    [Fact]
    public async Task KeyDeleted_LostCallbackFires_CheckLeaseFalse_ReleaseTrue()
    {
        await using var lease = Create("owner-a");
        var lost = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(await lease.Acquire(e => lost.TrySetResult(e)));

        await etcd.Client.DeleteAsync(lease.Key);

        var reason = await lost.Task.WaitAsync(Backstop);
        Assert.IsAssignableFrom<LeaseException>(reason);
        Assert.Contains("was deleted", reason!.Message, StringComparison.Ordinal);
        Assert.False(lease.CheckLease());
        Assert.Equal(0, lease.Term);
        Assert.True(await lease.Release());
    }

    [Fact]
    public async Task FencedWrite_AfterAnotherOwnerTookTheLease_Refused()
    {
        await using var a = Create("owner-a");
        await using var b = Create("owner-b");
        var lost = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(await a.Acquire(e => lost.TrySetResult(e)));
        var fenced = a.Fenced();
        var data = _root + "/data";
        await fenced.PutAsync(data, "from a");

        await etcd.Client.DeleteAsync(a.Key);
        await lost.Task.WaitAsync(Backstop);
        Assert.True(await b.Acquire());
        var refused = await Assert.ThrowsAsync<LeadershipLostException>(() => fenced.PutAsync(data, "from a, too late"));
        await b.Fenced().PutAsync(data, "from b");

        Output?.WriteLine(refused.Message);
        Assert.Equal("from b", Assert.Single((await etcd.Client.GetAsync(data)).Kvs).Value.ToStringUtf8());
        Assert.Throws<LeaseException>(() => a.Fenced());
    }

    [Fact]
    public async Task LeaseProvider_LeaseClassInHocon_CreatesEtcdLease()
    {
        var hocon = $$"""
            akka.coordination.lease.etcd {
              lease-class = "{{EtcdLease.LeaseClass}}"
              endpoints = "{{string.Join(",", etcd.Cluster.ClientUrls)}}"
              root = "{{_root}}"
              heartbeat-timeout = 4s
              heartbeat-interval = 1s
            }
            """;
        var system = ActorSystem.Create("provider", ConfigurationFactory.ParseString(hocon).WithFallback(EtcdLeaseTesting.SystemHocon));
        try
        {
            var lease = LeaseProvider.Get(system).GetLease("my-lease", EtcdLease.ConfigPath, "owner-a");

            var etcdLease = Assert.IsType<EtcdLease>(lease);
            Assert.Equal(_root + "/lease/my-lease", etcdLease.Key);
            Assert.Equal(TimeSpan.FromSeconds(4), etcdLease.EtcdSettings.Ttl);
            Assert.True(await lease.Acquire());
            Assert.Equal(etcdLease.Term, Assert.Single((await etcd.Client.GetAsync(etcdLease.Key)).Kvs).CreateRevision);
        }
        finally
        {
            await system.Terminate().WaitAsync(Backstop);
        }
        // Coordinated shutdown disposed the lease, which revoked its etcd lease: the key is gone.
        Assert.Empty((await etcd.Client.GetAsync(_root + "/lease/my-lease")).Kvs);
    }

    private EtcdLease Create(string owner, string ttl = "4s", string interval = "1s") =>
        EtcdLeaseTesting.Create((ExtendedActorSystem)Sys, etcd.Cluster.ClientUrls, _root, "singleton", owner, ttl, interval, TimeProvider.System);
}
