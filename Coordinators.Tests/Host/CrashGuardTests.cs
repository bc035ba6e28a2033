using System.Diagnostics;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Host.Commands;
using Coordinators.Tests.Election;
using Coordinators.Tests.Etcd;
using Coordinators.Tests.Fixtures;
using Xunit.Abstractions;
using StateCode = Coordinators.Actors.Components.Proto.StateCode;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Host;

/// <summary>
/// <c>run --crash-guard</c> with real processes and real etcd at the default lease TTL of 10 s: a crashed child's lease
/// is revoked by its guard, so the standby leads within 1 s instead of 10.
/// </summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class CrashGuardTests(EtcdSingleFixture etcd, ITestOutputHelper output) : IClassFixture<EtcdSingleFixture>
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CrashTakeover = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task GuardedPrimary_ChildSigkilled_StandbyLeadsWithinOneSecondAndRestartedChildRejoinsAsStandby()
    {
        // Not rootcoord: its new primary waits for the wall clock to pass the crashed one's persisted TSO bound (up to
        // rootcoord.tso-window, 3 s by default), which is the timestamp oracle's rule, not the guard's speed.
        const string role = Roles.QueryCoord;
        var root = EtcdSingleFixture.Prefix() + "c";
        var layout = new EtcdLayout(root);
        var (a, first) = await GuardedRun.StartAsync(role, etcd.Cluster.ClientUrls, root);
        await using var guard = a;
        Assert.Equal(a.GuardPid, first.GuardPid);
        var active = await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, role, s => s.ServerId == first.ServerId, Backstop);
        Assert.Equal((first.Pid, a.GuardPid), (active.Pid, active.GuardPid));
        await using var b = await CoordinatorProcess.StartAsync(role, etcd.Cluster.ClientUrls, root, "10s");
        Assert.Equal(StateCode.StandBy, (await b.GetStatesAsync()).State);

        var killed = Stopwatch.StartNew();
        Assert.True(UnixSignals.Send(first.Pid, UnixSignal.SIGKILL));
        await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, role, s => s.ServerId == b.ServerId, Backstop);
        var takeover = killed.Elapsed;
        output.WriteLine($"SIGKILL of the guarded primary's child -> new primary in {takeover.TotalMilliseconds:F0} ms (TTL {Ttl.TotalSeconds:F0} s)");
        Assert.True(takeover <= CrashTakeover, $"takeover took {takeover.TotalMilliseconds:F0} ms");
        var exited = await a.WaitForExitedAsync(first.Pid);
        Assert.Equal(("137", "SIGKILL", "1"), (exited["code"], exited["signal"], exited["revoked"]));

        // on-failure: the guard starts a new child, which joins the queue behind b with a new session.
        var second = await a.WaitForReadyAsync(exceptPid: first.Pid);
        Assert.Equal((StateCode.StandBy.ToString(), a.GuardPid), (second.State, second.GuardPid));
        Assert.False(ProcFs.IsRunning(first.Pid));
        // StandBy is reported once the session exists; the candidate key follows within the same campaign.
        var status = await WaitForQueueAsync(layout, role, 2);
        Assert.Equal(b.ServerId, status.Primary!.ServerId);
        Assert.Equal([b.ServerId, second.ServerId], status.Queue.Select(c => c.Session!.ServerId));
        Assert.Equal((second.Pid, a.GuardPid), (status.Queue[1].Session!.Pid, status.Queue[1].Session!.GuardPid));
        var table = await HostRunner.RunAsync(["status", "--etcd", etcd.Cluster.ClientUrls[0], "--root", root]);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains(table.StandardOutput.Split('\n'), l => l.Contains($" {second.ServerId} ", StringComparison.Ordinal) && l.Contains($" {second.Pid} ", StringComparison.Ordinal) && l.Contains($" {a.GuardPid} ", StringComparison.Ordinal));

        // SIGTERM to the guard reaches the child, which resigns from the queue; the guard exits 0 and nothing is left.
        a.Runner.Signal(UnixSignal.SIGTERM);
        Assert.Equal(0, await a.Runner.WaitForExitAsync(Backstop));
        Assert.True(await GuardedRun.WaitGoneAsync(second.Pid, Backstop));
        var after = (await ClusterStatus.ReadAsync(etcd.Client, layout)).Coordinators.Single(r => r.Role == role);
        Assert.Equal([b.ServerId], after.Queue.Select(c => c.Session!.ServerId));
    }

    [Fact]
    public async Task GuardedPrimary_UnhandledExceptionInChild_StandbyLeadsWithinOneSecondAndRestartNeverExitsWithTheChildsCode()
    {
        const string role = Roles.DataCoord;
        var root = EtcdSingleFixture.Prefix() + "c";
        var layout = new EtcdLayout(root);
        var (a, first) = await GuardedRun.StartAsync(role, etcd.Cluster.ClientUrls, root, ["--restart", "never"],
            new Dictionary<string, string?> { [TestHooks.CrashOnSigusr1] = "1" });
        await using var guard = a;
        await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, role, s => s.ServerId == first.ServerId, Backstop);
        await using var b = await CoordinatorProcess.StartAsync(role, etcd.Cluster.ClientUrls, root, "10s");
        Assert.Equal(StateCode.StandBy, (await b.GetStatesAsync()).State);

        var thrown = Stopwatch.StartNew();
        Assert.True(UnixSignals.Send(first.Pid, UnixSignal.SIGUSR1)); // the test hook throws
        await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, role, s => s.ServerId == b.ServerId, Backstop);
        var takeover = thrown.Elapsed;
        output.WriteLine($"unhandled exception in the guarded primary -> new primary in {takeover.TotalMilliseconds:F0} ms");
        Assert.True(takeover <= CrashTakeover, $"takeover took {takeover.TotalMilliseconds:F0} ms");

        // .NET aborts on an unhandled exception: SIGABRT, reported as 128 + 6.
        Assert.Equal(134, await a.Runner.WaitForExitAsync(Backstop));
        var exited = await a.WaitForExitedAsync(first.Pid);
        Assert.Equal(("134", "SIGABRT", "1"), (exited["code"], exited["signal"], exited["revoked"]));
        Assert.Contains("test hook COORDINATORS_TEST_CRASH_ON_SIGUSR1: unhandled exception on SIGUSR1", a.Runner.StandardError, StringComparison.Ordinal);
        Assert.False(ProcFs.IsRunning(first.Pid));
        Assert.DoesNotContain(a.Runner.StandardOutput.Split('\n'), l => l.StartsWith("GUARD ", StringComparison.Ordinal) && l.Contains("event=started", StringComparison.Ordinal) && !l.Contains($"child={first.Pid}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GuardSigkilled_ChildStopsAndStandbyLeadsWithinTheTtl()
    {
        const string role = Roles.QueryCoord;
        var (a, first, b, takeover) = await SignalGuardedPrimaryAsync(role, UnixSignal.SIGKILL);
        await using var guard = a;
        await using var standby = b;
        // The child's stdin (held by the guard) closed: it stops cleanly, resigning, so this is far below the TTL bound.
        Assert.True(await GuardedRun.WaitGoneAsync(first.Pid, Backstop), $"child {first.Pid} outlived its guard");
        output.WriteLine($"SIGKILL of the guard -> child stopped, new primary in {takeover.TotalMilliseconds:F0} ms");
        Assert.True(takeover <= Ttl + TimeSpan.FromSeconds(2), $"takeover took {takeover.TotalMilliseconds:F0} ms");
        Assert.Contains(a.Runner.StandardOutput.Split('\n'), l => l.Contains("stopping: standard input closed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GuardSigterm_ChildResignsAndGuardExitsZero()
    {
        const string role = Roles.IndexCoord;
        var (a, first, b, takeover) = await SignalGuardedPrimaryAsync(role, UnixSignal.SIGTERM);
        await using var guard = a;
        await using var standby = b;
        // A resign, not an expiry: far below the 10 s TTL (tens of ms when the machine is idle; ~1 s seen under heavy load).
        Assert.True(takeover <= Ttl / 2, $"SIGTERM takeover took {takeover.TotalMilliseconds:F0} ms");
        Assert.Equal(0, await a.Runner.WaitForExitAsync(Backstop));
        var exited = await a.WaitForExitedAsync(first.Pid);
        Assert.Equal(("0", "0"), (exited["code"], exited["revoked"]));
        Assert.False(ProcFs.IsRunning(first.Pid));
        Assert.Contains(a.Runner.StandardOutput.Split('\n'), l => l.Contains($"SIGTERM received: passed to child {first.Pid}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GuardedNode_ChildSigkilled_SessionDeletedWithinOneSecond()
    {
        var root = EtcdSingleFixture.Prefix() + "c";
        var layout = new EtcdLayout(root);
        var (a, first) = await GuardedRun.StartAsync(Roles.QueryNode, etcd.Cluster.ClientUrls, root, ["--restart", "never"]);
        await using var guard = a;
        var key = layout.SessionKey(Roles.QueryNode, first.ServerId);
        var current = await etcd.Client.GetAsync(key);
        Assert.True(SessionInfo.TryParse(current.Kvs.Single().Value.ToStringUtf8(), out var session, out _));
        Assert.Equal((first.Pid, a.GuardPid), (session!.Pid, session.GuardPid));

        using var cts = new CancellationTokenSource(Backstop);
        var deleted = Task.Run(async () =>
        {
            await foreach (var r in etcd.Client.Watch(key, new WatchOptions { StartRevision = current.Header.Revision + 1 }, cts.Token))
            {
                if (r.Events.Any(e => e.Type == Mvccpb.Event.Types.EventType.Delete))
                {
                    return Stopwatch.GetTimestamp();
                }
            }
            throw new InvalidOperationException("watch ended");
        });
        var killedAt = Stopwatch.GetTimestamp();
        Assert.True(UnixSignals.Send(first.Pid, UnixSignal.SIGKILL));
        var gone = Stopwatch.GetElapsedTime(killedAt, await deleted);
        output.WriteLine($"SIGKILL of a guarded node's child -> session deleted in {gone.TotalMilliseconds:F0} ms");
        Assert.True(gone <= CrashTakeover, $"session deleted after {gone.TotalMilliseconds:F0} ms");
        Assert.Equal(137, await a.Runner.WaitForExitAsync(Backstop));
    }

    [Fact]
    public async Task CrashGuardOnInConfiguration_GuardsOnceWithoutRecursing()
    {
        var root = EtcdSingleFixture.Prefix() + "c";
        var (a, first) = await GuardedRun.StartAsync(Roles.DataNode, etcd.Cluster.ClientUrls, root,
            environment: new Dictionary<string, string?> { ["COORDINATORS__CRASH_GUARD"] = "on" }, flag: false);
        await using var guard = a;
        Assert.Equal(a.GuardPid, first.GuardPid);
        a.Runner.Signal(UnixSignal.SIGINT);
        Assert.Equal(0, await a.Runner.WaitForExitAsync(Backstop));
        // The child read the same configuration, yet only the guard started a child.
        Assert.Single(a.Runner.StandardOutput.Split('\n'), l => l.StartsWith("GUARD ", StringComparison.Ordinal) && l.Contains("event=started", StringComparison.Ordinal));
        Assert.False(ProcFs.IsRunning(first.Pid));
    }

    [Fact]
    public async Task StandaloneCrashGuard_EmbeddedEtcd_RefusedWithExitTwo()
    {
        var result = await HostRunner.RunAsync(["standalone", "--crash-guard"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("standalone --crash-guard needs coordinators.etcd.endpoints (or --etcd)", result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>The role's status once its queue holds <paramref name="count"/> candidates: read, then watch the election prefix.</summary>
    private async Task<RoleStatus> WaitForQueueAsync(EtcdLayout layout, string role, int count)
    {
        using var cts = new CancellationTokenSource(Backstop);
        while (true)
        {
            var cluster = await ClusterStatus.ReadAsync(etcd.Client, layout, cts.Token);
            var status = cluster.Coordinators.Single(r => r.Role == role);
            if (status.Queue.Count == count)
            {
                return status;
            }
            await foreach (var _ in etcd.Client.Watch(layout.Root + "/election/" + role + "/", new WatchOptions { Prefix = true, StartRevision = cluster.Revision + 1 }, cts.Token))
            {
                break;
            }
        }
    }

    /// <summary>A guarded primary and a plain standby of <paramref name="role"/>; <paramref name="signal"/> to the guard;
    /// returns once the standby's active key is out, with the time that took.</summary>
    private async Task<(GuardedRun Guard, ReadyLine First, CoordinatorProcess Standby, TimeSpan Takeover)> SignalGuardedPrimaryAsync(string role, UnixSignal signal)
    {
        var root = EtcdSingleFixture.Prefix() + "c";
        var layout = new EtcdLayout(root);
        var (a, first) = await GuardedRun.StartAsync(role, etcd.Cluster.ClientUrls, root);
        await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, role, s => s.ServerId == first.ServerId, Backstop);
        var b = await CoordinatorProcess.StartAsync(role, etcd.Cluster.ClientUrls, root, "10s");
        Assert.Equal(StateCode.StandBy, (await b.GetStatesAsync()).State);
        var signalled = Stopwatch.StartNew();
        a.Runner.Signal(signal);
        await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, role, s => s.ServerId == b.ServerId, Backstop);
        return (a, first, b, signalled.Elapsed);
    }
}
