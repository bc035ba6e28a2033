using System.Diagnostics;
using Akka.Actor;
using Akka.Coordination;
using Coordinators.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;

namespace Coordinators.Tests.Coordination;

/// <summary>EtcdLease when etcd stops answering: the local guard, on a fake clock and on the real one.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EtcdLeaseGuardTests(Xunit.Abstractions.ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(EtcdLeaseTesting.SystemHocon, "lease-guard-tests", output)
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task CheckLease_FakeClock_TrueUntilTheGuardDeadlineThenFalseAndLost()
    {
        await using var cluster = await EtcdCluster.StartSingleAsync();
        // Fake time starts at the real time: the etcd client's per-call deadlines are taken from it.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // TTL 10 s, margin 1 s: the guard vouches for 9 s after the newest acknowledged send.
        await using var lease = EtcdLeaseTesting.Create((ExtendedActorSystem)Sys, cluster.ClientUrls, "guard", "singleton", "owner-a", "10s", "3s", time,
            "lease-guard-margin = 1s");
        var lost = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(await lease.Acquire(e => lost.TrySetResult(e)));
        // No acknowledgement from now on: whatever the keep-alive sends while the clock moves goes unanswered.
        cluster.Pause(0);
        try
        {
            // Every request so far was sent at fake time 0, so the deadline is exactly 9 s from here.
            for (var i = 0; i < 8; i++)
            {
                time.Advance(TimeSpan.FromSeconds(1));
                Assert.True(lease.CheckLease(), $"guard refused at {i + 1} s");
            }
            time.Advance(TimeSpan.FromMilliseconds(999));
            Assert.True(lease.CheckLease());
            Assert.False(lost.Task.IsCompleted);

            time.Advance(TimeSpan.FromMilliseconds(1));

            Assert.False(lease.CheckLease());
            var reason = await lost.Task.WaitAsync(Backstop);
            Assert.IsType<LeaseTimeoutException>(reason);
            Assert.Equal(0, lease.Term);
        }
        finally
        {
            cluster.Resume(0);
        }
        Assert.True(await lease.Release());
    }

    [Fact]
    public async Task EtcdDownPastTheTtl_LostCallbackBeforeTheTtl_ReleaseStillTrue()
    {
        await using var cluster = await EtcdCluster.StartSingleAsync();
        await using var lease = EtcdLeaseTesting.Create((ExtendedActorSystem)Sys, cluster.ClientUrls, "down", "singleton", "owner-a", "3s", "500ms",
            TimeProvider.System);
        var lost = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(await lease.Acquire(e => lost.TrySetResult(e)));

        cluster.Kill(0);
        var down = Stopwatch.StartNew();

        var reason = await lost.Task.WaitAsync(Backstop);
        down.Stop();
        Assert.IsAssignableFrom<LeaseException>(reason);
        Assert.False(lease.CheckLease());
        Output?.WriteLine($"lost {down.ElapsedMilliseconds} ms after etcd died: {reason!.Message}");
        // Whichever comes first, the keep-alive giving up or the guard (TTL 3 s minus 0.6 s margin from the last
        // acknowledged send), the loss is reported before etcd could expire the lease and hand the key to another.
        Assert.True(down.Elapsed < TimeSpan.FromSeconds(3), $"lost only {down.ElapsedMilliseconds} ms after etcd died: {reason!.Message}");
        // etcd is still down: the release cannot reach it, yet the lease was lost, so it reports released.
        Assert.True(await lease.Release());
    }
}
