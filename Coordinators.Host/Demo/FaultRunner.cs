using System.Text.Json.Nodes;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Host.Demo;

/// <summary>
/// Injects one fault and measures it: signal the victim, wait for the new primary (or the node's session to
/// go), bring the victim back (restart, or SIGCONT after a pause), wait until it rejoined and the cluster is
/// whole, then read what the workload saw in that window.
/// </summary>
internal sealed class FaultRunner
{
    private readonly DemoOptions _options;
    private readonly ChildProcessSet _children;
    private readonly ClusterView _view;
    private readonly StateSampler _sampler;
    private readonly Workload _workload;
    private readonly DemoEvents _events;

    public FaultRunner(DemoOptions options, ChildProcessSet children, ClusterView view, StateSampler sampler, Workload workload, DemoEvents events)
    {
        _options = options;
        _children = children;
        _view = view;
        _sampler = sampler;
        _workload = workload;
        _events = events;
    }

    /// <summary>A crash is noticed within TTL + 0.5 s; allow generous slack for two busy cores.</summary>
    private TimeSpan FailoverTimeout => _options.Ttl * 2 + TimeSpan.FromSeconds(10);

    private static readonly TimeSpan RejoinTimeout = TimeSpan.FromSeconds(45);

    public async Task<FaultResult> RunAsync(Fault fault, CancellationToken cancellationToken)
    {
        var before = _view.Current;
        var (victim, session) = PickVictim(fault, before);
        if (victim is null || session is null)
        {
            var at0 = _events.NowMs;
            return new FaultResult { Fault = fault, Target = "-", Pid = 0, ServerId = 0, AtMs = at0, EndMs = at0, Problem = $"no {(fault.Kind.IsNode() ? "running node" : "published primary")} of {fault.Role} to hit" };
        }
        var epochBefore = EpochOf(fault, before);
        var pid = session.Pid;
        var signal = fault.Kind switch
        {
            FaultKind.SigTerm => UnixSignal.SIGTERM,
            FaultKind.SigStop => UnixSignal.SIGSTOP,
            _ => UnixSignal.SIGKILL,
        };
        var at = _events.NowMs;
        _events.Add("fault", victim.Name, new JsonObject
        {
            ["index"] = fault.Index, ["kind"] = fault.Kind.ToString(), ["role"] = fault.Role, ["pid"] = pid, ["serverId"] = session.ServerId,
        });
        if (victim.Guarded && fault.Kind is FaultKind.SigKill or FaultKind.NodeKill)
        {
            // A plain crash of a guarded child would be revoked by its guard: crash the whole unit, guard first.
            victim.CrashWithGuard();
        }
        else
        {
            // A guarded slot's signals go to the component, its child; only the guard's revoke differs.
            victim.Signal(signal);
        }
        var problems = new List<string>();
        double? failoverMs = null, goneMs = null, rejoinedMs = null;
        long? newPrimary = null;

        if (fault.Kind.IsNode())
        {
            if (await _view.WaitForAsync(s => !s.Sessions.ContainsKey(session.ServerId), FailoverTimeout, cancellationToken).ConfigureAwait(false))
            {
                goneMs = _events.NowMs - at;
            }
            else
            {
                problems.Add($"session {session.ServerId} still in etcd after {FailoverTimeout.TotalSeconds:F0} s");
            }
        }
        else
        {
            var resume = fault.Kind == FaultKind.SigStop ? ResumeLaterAsync(victim, at, cancellationToken) : Task.CompletedTask;
            if (await _view.WaitForAsync(s => s.Active.TryGetValue(fault.Role, out var a) && a.ServerId != session.ServerId, FailoverTimeout, cancellationToken).ConfigureAwait(false))
            {
                failoverMs = _events.NowMs - at;
                newPrimary = _view.Current.Active[fault.Role].ServerId;
            }
            else
            {
                problems.Add($"no new primary within {FailoverTimeout.TotalSeconds:F0} s");
            }
            await resume.ConfigureAwait(false);
        }

        // Bring the victim back: a stopped process must rejoin by itself; an exited one is restarted.
        if (fault.Kind != FaultKind.SigStop)
        {
            if (!await victim.WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false))
            {
                problems.Add($"{victim.Name} did not exit after {signal} within 10 s; killed");
                victim.Signal(UnixSignal.SIGKILL);
                await victim.WaitForExitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            victim.Start();
        }
        var rejoined = await Poll.UntilAsync(() => Rejoined(victim, session.ServerId), RejoinTimeout, cancellationToken).ConfigureAwait(false);
        if (!rejoined && fault.Kind == FaultKind.SigStop && !victim.IsRunning)
        {
            // exit-on-session-loss: the paused process chose to exit; restarting it is the supervisor's job.
            problems.Add($"{victim.Name} exited after the pause instead of rejoining");
        }
        if (rejoined)
        {
            rejoinedMs = _events.NowMs - at;
            _events.Add("rejoined", victim.Name, new JsonObject { ["pid"] = victim.Pid ?? 0, ["afterMs"] = Math.Round(rejoinedMs.Value, 1) });
        }
        else
        {
            problems.Add($"{victim.Name} did not rejoin within {RejoinTimeout.TotalSeconds:F0} s");
        }

        // Whole again: the restarted process and everyone else answer Healthy or StandBy.
        if (!await WaitWholeAsync(TimeSpan.FromSeconds(20), cancellationToken).ConfigureAwait(false))
        {
            problems.Add("cluster not whole afterwards: " + string.Join("; ", _children.Problems(_view.Current, _sampler.Latest)));
        }
        // Let a late second takeover, if any, show in the epoch before reading it.
        await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken).ConfigureAwait(false);
        var end = _events.NowMs;
        var epochAfter = EpochOf(fault, _view.Current);
        var window = _workload.Records().Where(r => r.EndMs >= at && r.EndMs <= end).ToList();
        var result = new FaultResult
        {
            Fault = fault,
            Target = victim.Name,
            Pid = pid,
            ServerId = session.ServerId,
            AtMs = at,
            FailoverMs = failoverMs,
            NewPrimary = newPrimary,
            SessionGoneMs = goneMs,
            RejoinedMs = rejoinedMs,
            EpochBefore = epochBefore,
            EpochAfter = epochAfter,
            Calls = window.Count,
            CallsFailed = window.Count(r => !r.Ok),
            CallsFailedAtVictim = fault.Kind.IsNode() ? window.Count(r => !r.Ok && r.Error is not null && r.Error.Contains(session.Address, StringComparison.Ordinal)) : 0,
            WorstLatencyMs = window.Count == 0 ? 0 : Math.Round(window.Max(r => r.LatencyMs), 1),
            EndMs = end,
            Problem = problems.Count == 0 ? null : string.Join("; ", problems),
        };
        _events.Add("fault-end", victim.Name, new JsonObject
        {
            ["index"] = fault.Index, ["failoverMs"] = failoverMs is null ? null : Math.Round(failoverMs.Value, 1),
            ["sessionGoneMs"] = goneMs is null ? null : Math.Round(goneMs.Value, 1), ["callsFailed"] = result.CallsFailed,
            ["epochBefore"] = epochBefore, ["epochAfter"] = epochAfter, ["problem"] = result.Problem,
        });
        return result;
    }

    /// <summary>Waits until every child is back and answering; false after <paramref name="timeout"/>.</summary>
    public Task<bool> WaitWholeAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        Poll.UntilAsync(IsWhole, timeout, cancellationToken);

    /// <summary>Every child runs, has a session and answers Healthy or StandBy, and every coordinator role has a primary.</summary>
    public bool IsWhole() => _children.Problems(_view.Current, _sampler.Latest).Count == 0;

    private (DemoChild? Child, SessionInfo? Session) PickVictim(Fault fault, ClusterSnapshot snapshot)
    {
        if (!fault.Kind.IsNode())
        {
            return snapshot.Active.TryGetValue(fault.Role, out var primary) ? (_children.ByPid(primary.Pid), primary) : (null, null);
        }
        // The node of that kind with the lowest ServerID that a child of ours runs.
        foreach (var s in snapshot.SessionsOf(fault.Role))
        {
            if (_children.ByPid(s.Pid) is { IsRunning: true } child && child.Pid == s.Pid)
            {
                return (child, s);
            }
        }
        return (null, null);
    }

    private static long EpochOf(Fault fault, ClusterSnapshot snapshot) =>
        fault.Kind.IsNode() ? Roles.Coordinators.Sum(snapshot.Epoch) : snapshot.Epoch(fault.Role);

    private async Task ResumeLaterAsync(DemoChild victim, double pausedAtMs, CancellationToken cancellationToken)
    {
        var due = TimeSpan.FromMilliseconds(pausedAtMs) + _options.Ttl + TimeSpan.FromSeconds(1) - TimeSpan.FromMilliseconds(_events.NowMs);
        try
        {
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // Even when cancelled: a stopped process must be resumed, or it cannot even be terminated cleanly.
            victim.Signal(UnixSignal.SIGCONT);
        }
    }

    /// <summary>The victim runs, has a session other than the one hit, and answers StandBy (coordinator) or Healthy (node).</summary>
    private bool Rejoined(DemoChild victim, long oldServerId)
    {
        if (victim.Pid is not { } pid)
        {
            return false;
        }
        var session = _view.Current.Sessions.Values.FirstOrDefault(s => s.Pid == pid && s.ServerId != oldServerId);
        if (session is null)
        {
            return false;
        }
        var state = _sampler.Latest.GetValueOrDefault(session.ServerId);
        return state is not null && state.Pid == pid && (state.State == "StandBy" || state.State == "Healthy");
    }
}
