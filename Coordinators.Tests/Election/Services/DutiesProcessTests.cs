using System.Diagnostics;
using Coordinators.Actors.Components;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Connections;
using Coordinators.Actors.Election.Services;
using Coordinators.Actors.Model;
using Coordinators.Tests.Etcd;
using Coordinators.Tests.Fixtures;
using Xunit.Abstractions;
using StateCode = Coordinators.Actors.Components.Proto.StateCode;

namespace Coordinators.Tests.Election.Services;

/// <summary>The duties across real failovers: real etcd, real <c>coordinators run</c> processes, lease TTL 2 s.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class DutiesProcessTests(EtcdSingleFixture etcd, ITestOutputHelper output) : IClassFixture<EtcdSingleFixture>
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(20);
    // A window below the TTL: a crashed primary's bound has passed by the time its lease expired, so no clock wait.
    private static readonly Dictionary<string, string?> ShortWindow = new() { ["COORDINATORS__ROOTCOORD__TSO_WINDOW"] = "1s" };

    [Fact]
    public async Task RootCoord_TwentyMixedFailovers_TimestampsMonotonicIdsUnique()
    {
        var root = EtcdSingleFixture.Prefix() + "c";
        var layout = new EtcdLayout(root);
        var processes = new List<CoordinatorProcess>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                processes.Add(await CoordinatorProcess.StartAsync(Roles.RootCoord, etcd.Cluster.ClientUrls, root, environment: ShortWindow));
            }
            await using var connections = new ConnectionManager(etcd.Client, new ConnectionManagerOptions { Layout = layout });
            await connections.AddDependencyAsync(Roles.RootCoord);
            using var stop = new CancellationTokenSource();
            var clock = Stopwatch.StartNew();
            var calls = new List<Call>();
            var ids = new List<(long First, uint Count)>();
            var clients = Enumerable.Range(0, 2).Select(_ => RunClientAsync(connections, clock, calls, ids, stop.Token)).ToList();

            var faults = new[] { UnixSignal.SIGKILL, UnixSignal.SIGTERM, UnixSignal.SIGSTOP };
            var paused = new List<CoordinatorProcess>();
            for (var n = 0; n < 20; n++)
            {
                var active = await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, Roles.RootCoord, _ => true, Backstop);
                var victim = processes.Single(p => p.Runner.ProcessId == active.Pid);
                var signal = faults[n % 3];
                victim.Runner.Signal(signal);
                var next = await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, Roles.RootCoord, s => s.Pid != victim.Runner.ProcessId, Backstop);
                output.WriteLine($"{n + 1,2}: {signal} of pid {victim.Runner.ProcessId}: pid {next.Pid} term {next.Term} leads");
                foreach (var p in paused)
                {
                    p.Runner.Signal(UnixSignal.SIGCONT);
                }
                paused.Clear();
                if (signal == UnixSignal.SIGSTOP)
                {
                    // Resumed after the next fault's takeover: it lost its session and rejoins as a standby by itself.
                    paused.Add(victim);
                }
                else
                {
                    processes.Remove(victim);
                    await victim.DisposeAsync();
                    processes.Add(await CoordinatorProcess.StartAsync(Roles.RootCoord, etcd.Cluster.ClientUrls, root, environment: ShortWindow));
                }
            }
            foreach (var p in paused)
            {
                p.Runner.Signal(UnixSignal.SIGCONT);
            }
            // Calls must succeed after the last takeover too.
            var settled = Count(calls);
            while (Count(calls) < settled + 20)
            {
                await Task.Delay(20);
            }
            await stop.CancelAsync();
            await Task.WhenAll(clients);

            Call[] done;
            lock (calls)
            {
                done = [.. calls];
            }
            output.WriteLine($"{done.Length} timestamp calls, {ids.Count} ID blocks across 20 failovers in {clock.Elapsed.TotalSeconds:F1} s");
            Assert.True(done.Length > 100, $"only {done.Length} calls completed");
            AssertMonotonic(done);
            var seen = new HashSet<long>();
            foreach (var (first, count) in ids)
            {
                for (var k = 0L; k < count; k++)
                {
                    Assert.True(seen.Add(first + k), $"ID {first + k} handed out twice");
                }
            }
        }
        finally
        {
            foreach (var p in processes)
            {
                p.Runner.Signal(UnixSignal.SIGCONT);
                await p.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task RootCoord_StoppedPrimaryResumedAfterGuardDeadline_AnswersNoAllocation()
    {
        var root = EtcdSingleFixture.Prefix() + "c";
        var layout = new EtcdLayout(root);
        await using var a = await CoordinatorProcess.StartAsync(Roles.RootCoord, etcd.Cluster.ClientUrls, root, environment: ShortWindow);
        await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, Roles.RootCoord, s => s.ServerId == a.ServerId, Backstop);
        await using var b = await CoordinatorProcess.StartAsync(Roles.RootCoord, etcd.Cluster.ClientUrls, root, environment: ShortWindow);
        var before = await AllocAsync(a, a.ServerId);

        a.Runner.Signal(UnixSignal.SIGSTOP);
        await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, Roles.RootCoord, s => s.ServerId == b.ServerId, Backstop);
        var fromNew = await AllocAsync(b, b.ServerId);
        Assert.True(fromNew.Timestamp > before.Timestamp);

        a.Runner.Signal(UnixSignal.SIGCONT);
        // Ask the resumed process, as a client that still believes it leads would, until it says it is a standby.
        var refused = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                var answer = await AllocAsync(a, a.ServerId);
                Assert.Fail($"the resumed old primary handed out timestamp {answer.Timestamp} (term {answer.Term})");
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.FailedPrecondition or StatusCode.DeadlineExceeded)
            {
                refused++;
            }
            if ((await a.TryGetStatesAsync()) is { State: StateCode.StandBy, ServerId: not 0 } s && s.ServerId != a.ServerId)
            {
                break;
            }
        }
        output.WriteLine($"resumed primary refused {refused} allocations before rejoining as a standby");
        Assert.True(refused > 0);
        var after = await AllocAsync(b, b.ServerId);
        Assert.True(after.Timestamp > fromNew.Timestamp);
    }

    private static async Task<AllocTimestampResponse> AllocAsync(CoordinatorProcess p, long serverId) =>
        await new RootCoord.RootCoordClient(p.Channel).AllocTimestampAsync(new AllocTimestampRequest { Count = 1 },
            new CallOptions(ComponentMethods.ForServer(serverId), DateTime.UtcNow.AddSeconds(2))).ResponseAsync;

    private static async Task RunClientAsync(ConnectionManager connections, Stopwatch clock, List<Call> calls, List<(long, uint)> ids, CancellationToken stop)
    {
        var n = 0;
        while (!stop.IsCancellationRequested)
        {
            var sent = clock.Elapsed;
            try
            {
                var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(15), cancellationToken: stop);
                if (n++ % 2 == 0)
                {
                    var r = await connections.CallPrimaryAsync(Roles.RootCoord, (i, o) => new RootCoord.RootCoordClient(i).AllocTimestampAsync(new AllocTimestampRequest { Count = 3 }, o), options);
                    lock (calls)
                    {
                        calls.Add(new Call(sent, clock.Elapsed, r.Timestamp, r.Timestamp + r.Count - 1));
                    }
                }
                else
                {
                    var r = await connections.CallPrimaryAsync(Roles.RootCoord, (i, o) => new RootCoord.RootCoordClient(i).AllocIDAsync(new AllocIDRequest { Count = 50 }, o), options);
                    lock (calls)
                    {
                        ids.Add((r.First, r.Count));
                    }
                }
            }
            catch (RpcException) when (!stop.IsCancellationRequested)
            {
                // A call that failed in a failover returned nothing; the invariant is about what was returned.
                await Task.Delay(10, CancellationToken.None);
            }
            catch (RpcException)
            {
            }
        }
    }

    private static int Count(List<Call> calls)
    {
        lock (calls)
        {
            return calls.Count;
        }
    }

    /// <summary>Every timestamp returned is above every timestamp whose call had completed before its call was sent.</summary>
    internal static void AssertMonotonic(IReadOnlyList<Call> calls)
    {
        var byDone = calls.OrderBy(c => c.Done).ToArray();
        var maxUpTo = new ulong[byDone.Length];
        for (var i = 0; i < byDone.Length; i++)
        {
            maxUpTo[i] = Math.Max(i == 0 ? 0 : maxUpTo[i - 1], byDone[i].Last);
        }
        foreach (var c in calls)
        {
            var lo = 0;
            var hi = byDone.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (byDone[mid].Done < c.Sent) lo = mid + 1; else hi = mid;
            }
            if (lo > 0)
            {
                Assert.True(c.First > maxUpTo[lo - 1], $"timestamp {c.First} (sent at {c.Sent.TotalMilliseconds:F0} ms) is not above {maxUpTo[lo - 1]}, returned before it was sent");
            }
        }
    }

    internal sealed record Call(TimeSpan Sent, TimeSpan Done, ulong First, ulong Last);
}
