using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Tests.Fixtures;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Coordinators.Tests.Sessions;

/// <summary>
/// A lease given up locally while etcd is unreachable is revoked as soon as etcd answers again, not left to etcd's
/// expiry (which a leader change extends by a whole TTL): its candidate key would block the election queue.
/// </summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class AbandonedLeaseTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RevokeAbandoned_EtcdPausedThenResumed_RevokedOnceEtcdAnswers()
    {
        await using var cluster = await EtcdCluster.StartThreeAsync();
        using var etcd = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls, RequestTimeout = TimeSpan.FromMilliseconds(500) });
        var lease = await etcd.GrantLeaseAsync(30);
        await etcd.PutAsync("c/election/rootcoord/" + lease.ID.ToString("x", System.Globalization.CultureInfo.InvariantCulture), "candidate", lease.ID);
        var log = new TestOutputLoggerProvider(output).CreateLogger("session");
        for (var i = 0; i < 3; i++)
        {
            cluster.Pause(i);
        }
        Task<bool> revoke;
        var paused = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            // What the session did before: one attempt, given up while etcd cannot answer; the lease outlives it.
            await SessionBuilder.RevokeQuietlyAsync(new EtcdSessionStore(etcd), lease.ID, TimeSpan.FromMilliseconds(500));
            revoke = SessionBuilder.RevokeAbandonedAsync(new EtcdSessionStore(etcd), lease.ID, log, "rootcoord", 1, maxAttempts: 20, TimeSpan.FromMilliseconds(500), Random.Shared, CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(3)); // the outage's length
            Assert.False(revoke.IsCompleted);
        }
        finally
        {
            for (var i = 0; i < 3; i++)
            {
                cluster.Resume(i);
            }
        }
        var resumed = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(await revoke.WaitAsync(TimeSpan.FromSeconds(20)));
        output.WriteLine($"revoked {resumed.ElapsedMilliseconds} ms after etcd was resumed ({paused.ElapsedMilliseconds} ms after the loss)");
        Assert.Equal(-1, (await etcd.LeaseTimeToLiveAsync(lease.ID)).TTL);
        Assert.Equal(0, (await etcd.GetPrefixAsync("c/election/")).Count);
        Assert.InRange(resumed.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task RevokeAbandoned_LeaseAlreadyGone_ReportsGoneAtOnce()
    {
        await using var cluster = await EtcdCluster.StartSingleAsync();
        using var etcd = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls });
        var lease = await etcd.GrantLeaseAsync(5);
        await etcd.RevokeLeaseAsync(lease.ID);
        var log = new TestOutputLoggerProvider(output).CreateLogger("session");
        Assert.True(await SessionBuilder.RevokeAbandonedAsync(new EtcdSessionStore(etcd), lease.ID, log, "rootcoord", 1, maxAttempts: 3, TimeSpan.FromSeconds(1), Random.Shared, CancellationToken.None));
    }
}
