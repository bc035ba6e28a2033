using System.Diagnostics;
using System.Text.Json.Nodes;
using Coordinators.Actors.Components;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Transport;
using Grpc.Core;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Host.Demo;

/// <summary>
/// One proxy call: when it started and ended (demo ms), whether it succeeded, where it went, and the term of the
/// coordinator primary that answered it (0 when the call failed).
/// </summary>
internal readonly record struct CallRecord(double StartMs, double EndMs, bool Ok, string CoordinatorRole, string NodeRole, string? Error = null, long CoordinatorTerm = 0)
{
    public double LatencyMs => EndMs - StartMs;
}

/// <summary>Calls per second of the workload: successes, failures, mean and worst latency.</summary>
internal sealed record WorkloadSecond(int Second, int Ok, int Failed, double MeanLatencyMs, double MaxLatencyMs);

/// <summary>
/// The client of the demo: several loops call the proxy's Proxy method at a steady rate; each call makes the
/// proxy call a coordinator primary (waiting for one during a failover) and a node. Every call is recorded.
/// </summary>
internal sealed class Workload
{
    private static readonly string[] CoordinatorRoles = [.. Roles.Coordinators];
    private static readonly string[] NodeRoles = [Roles.QueryNode, Roles.DataNode, Roles.IndexNode];
    // Longer than any failover the demo causes (SIGSTOP holds a primary for TTL + 1 s), so wait-for-primary can work.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);
    private const int MaxFailureEvents = 200;

    private readonly ComponentCalls _calls;
    private readonly ClusterView _view;
    private readonly DemoEvents _events;
    private readonly int _loops;
    private readonly TimeSpan _interval;
    // Every finished call, in completion order; guarded by itself.
    private readonly List<CallRecord> _records = [];
    private int _failureEvents;

    public Workload(ComponentCalls calls, ClusterView view, DemoEvents events, int loops, int rate)
    {
        _calls = calls;
        _view = view;
        _events = events;
        _loops = loops;
        _interval = TimeSpan.FromSeconds((double)loops / rate);
    }

    /// <summary>A copy of every finished call.</summary>
    public IReadOnlyList<CallRecord> Records()
    {
        lock (_records)
        {
            return [.. _records];
        }
    }

    /// <summary>Calls that finished in the last second (for the live table): successes and failures.</summary>
    public (int Ok, int Failed) LastSecond(Func<CallRecord, bool>? filter = null)
    {
        var since = _events.NowMs - 1000;
        lock (_records)
        {
            int ok = 0, failed = 0;
            for (var i = _records.Count - 1; i >= 0 && _records[i].EndMs >= since; i--)
            {
                if (filter is not null && !filter(_records[i]))
                {
                    continue;
                }
                if (_records[i].Ok)
                {
                    ok++;
                }
                else
                {
                    failed++;
                }
            }
            return (ok, failed);
        }
    }

    /// <summary>Total successes and failures so far.</summary>
    public (long Ok, long Failed) Totals(Func<CallRecord, bool>? filter = null)
    {
        lock (_records)
        {
            long ok = 0, failed = 0;
            foreach (var r in _records)
            {
                if (filter is not null && !filter(r))
                {
                    continue;
                }
                if (r.Ok)
                {
                    ok++;
                }
                else
                {
                    failed++;
                }
            }
            return (ok, failed);
        }
    }

    /// <summary>Runs the loops until cancelled; calls in flight are cancelled too and not counted.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, _loops).Select(i => LoopAsync(i, cancellationToken)));

    /// <summary>Per-second aggregates of every finished call, by completion second.</summary>
    public IReadOnlyList<WorkloadSecond> PerSecond()
    {
        var records = Records();
        if (records.Count == 0)
        {
            return [];
        }
        return records.GroupBy(r => (int)(r.EndMs / 1000)).OrderBy(g => g.Key)
            .Select(g => new WorkloadSecond(g.Key, g.Count(r => r.Ok), g.Count(r => !r.Ok),
                Math.Round(g.Average(r => r.LatencyMs), 2), Math.Round(g.Max(r => r.LatencyMs), 1)))
            .ToList();
    }

    private async Task LoopAsync(int loop, CancellationToken cancellationToken)
    {
        var n = loop;
        var clock = Stopwatch.StartNew();
        var due = TimeSpan.FromMilliseconds(loop * _interval.TotalMilliseconds / _loops);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                // A slow call must not be followed by a burst: the next one is due one interval after now at the latest.
                due = TimeSpan.FromTicks(Math.Max(due.Ticks, clock.Elapsed.Ticks - _interval.Ticks)) + _interval;
                var proxies = _view.Current.SessionsOf(Roles.Proxy);
                var proxy = proxies.Count == 0 ? null : proxies[0];
                if (proxy is null)
                {
                    await _view.NextChange.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
                await CallAsync(proxy.Address, CoordinatorRoles[n % CoordinatorRoles.Length], NodeRoles[n / CoordinatorRoles.Length % NodeRoles.Length], cancellationToken).ConfigureAwait(false);
                n++;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Waits until one proxy call per coordinator and node role pair went through, not recorded: the observer sees
    /// a process's session before the proxy's ConnectionManager has a client for it online, so a workload started at
    /// "cluster whole" could fail its first calls with "no datanode is online". Retries with backoff (50 ms doubling
    /// to 500 ms); returns each pair still failing after <paramref name="timeout"/> with its last error.
    /// </summary>
    public async Task<IReadOnlyList<string>> WaitFlowingAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var failing = new List<string>();
        foreach (var coordinator in CoordinatorRoles)
        {
            foreach (var node in NodeRoles)
            {
                var pause = TimeSpan.FromMilliseconds(50);
                while (true)
                {
                    var proxies = _view.Current.SessionsOf(Roles.Proxy);
                    var (error, _) = proxies.Count == 0 ? ("no proxy has a session", 0L)
                        : await SendAsync(proxies[0].Address, coordinator, node, cancellationToken).ConfigureAwait(false);
                    if (error is null)
                    {
                        break;
                    }
                    if (deadline.Elapsed > timeout)
                    {
                        failing.Add($"{coordinator}/{node}: {error}");
                        break;
                    }
                    await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                    pause = TimeSpan.FromMilliseconds(Math.Min(500, pause.TotalMilliseconds * 2));
                }
            }
        }
        return failing;
    }

    private async Task<(string? Error, long Term)> SendAsync(string proxyAddress, string coordinatorRole, string nodeRole, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await _calls.Client(proxyAddress).ProxyAsync(
                new ProxyRequest { CoordinatorRole = coordinatorRole, NodeRole = nodeRole },
                new CallOptions(deadline: DateTime.UtcNow + CallTimeout, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return (null, reply.CoordinatorTerm);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            return ($"{e.StatusCode}: {e.Status.Detail}", 0);
        }
        catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return (e.GetType().Name + ": " + e.Message, 0);
        }
    }

    private async Task CallAsync(string proxyAddress, string coordinatorRole, string nodeRole, CancellationToken cancellationToken)
    {
        var start = _events.NowMs;
        string? error;
        long term;
        try
        {
            (error, term) = await SendAsync(proxyAddress, coordinatorRole, nodeRole, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The demo is stopping: a call cut short by that is neither a success nor a failure of the cluster.
            return;
        }
        var record = new CallRecord(start, _events.NowMs, error is null, coordinatorRole, nodeRole, error, term);
        lock (_records)
        {
            _records.Add(record);
        }
        if (error is not null && Interlocked.Increment(ref _failureEvents) <= MaxFailureEvents)
        {
            _events.Add("call-failed", null, new JsonObject
            {
                ["coordinatorRole"] = coordinatorRole, ["nodeRole"] = nodeRole, ["startMs"] = Math.Round(start, 1),
                ["latencyMs"] = Math.Round(record.LatencyMs, 1), ["error"] = error,
            });
        }
    }
}
