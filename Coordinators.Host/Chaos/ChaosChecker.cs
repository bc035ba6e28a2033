using Coordinators.Host.Demo;

namespace Coordinators.Host.Chaos;

/// <summary>Everything the checks read, gathered once the run stopped.</summary>
internal sealed record ChaosEvidence(
    IReadOnlyList<ChaosFaultResult> Faults,
    IReadOnlyList<ServingInterval> Intervals,
    long Samples,
    int SamplerViolations,
    IReadOnlyList<string> SamplerViolationTexts,
    IReadOnlyList<DemoEvent> Events,
    double StopMs,
    IReadOnlyList<string> FinalProblems,
    IReadOnlyList<int> Surviving,
    IReadOnlyDictionary<string, long> EpochsAtStart,
    IReadOnlyDictionary<string, long> EpochsAtEnd,
    IReadOnlyDictionary<string, int> RunTakeovers,
    TimeSpan Bound,
    IReadOnlyList<string>? NetworkLeft = null,
    IReadOnlyList<CallRecord>? Calls = null);

/// <summary>The chaos run's checks, from its own observation; exit 0 only when every one holds.</summary>
internal static class ChaosChecker
{
    public static IReadOnlyList<InvariantResult> Check(ChaosEvidence e)
    {
        var results = new List<InvariantResult>();
        var overlaps = ChaosObserver.Overlaps(e.Intervals);
        var single = new List<string>(overlaps.Take(5));
        if (e.SamplerViolations > 0)
        {
            single.Add($"{e.SamplerViolations} samples of an older term Healthy after a newer one, first: {e.SamplerViolationTexts[0]}");
        }
        results.Add(e.Samples == 0
            ? new("single-primary", false, "no GetComponentStates answer arrived")
            : new("single-primary", single.Count == 0, single.Count == 0
                ? $"{e.Samples} GetComponentStates answers, {e.Intervals.Count} serving intervals; no two servers of a role provably served at once"
                : $"{overlaps.Count} overlapping pairs: " + string.Join("; ", single)));

        var back = new List<string>();
        var terms = 0;
        foreach (var role in e.Events.Where(x => x.Kind == "active-put").GroupBy(x => x.Data["role"]!.GetValue<string>(), StringComparer.Ordinal))
        {
            long last = 0;
            foreach (var put in role)
            {
                var term = put.Data["term"]!.GetValue<long>();
                terms++;
                if (term < last)
                {
                    back.Add($"{role.Key}: term {term} published at {put.AtMs:F0} ms after term {last}");
                }
                last = Math.Max(last, term);
            }
        }
        results.Add(new("term-never-back", back.Count == 0, back.Count == 0 ? $"{terms} publications of the active keys (etcd watch), each term >= the one before" : string.Join("; ", back)));

        var epoch = e.Faults.Where(f => !f.EpochOk).Select(f => $"fault {f.Fault.Index} ({f.Fault.Label}): {string.Join(", ", f.Epochs.Where(p => p.Value.After != p.Value.Before).Select(p => $"{p.Key} {p.Value.Before}->{p.Value.After}"))} for takeovers [{string.Join(", ", f.Takeovers)}], candidates lost [{string.Join(", ", f.CandidatesLost.Where(p => p.Value > 0).Select(p => $"{p.Key} {p.Value}"))}]").ToList();
        var lostInRun = 0;
        foreach (var (role, count) in e.RunTakeovers)
        {
            var rose = e.EpochsAtEnd.GetValueOrDefault(role) - e.EpochsAtStart.GetValueOrDefault(role);
            var lost = e.Faults.Sum(f => f.CandidatesLost.GetValueOrDefault(role));
            lostInRun += (int)Math.Max(0, Math.Min(lost, rose - count));
            if (!ChaosFaultResult.EpochWithin(rose, count, lost))
            {
                epoch.Add($"{role}: epoch rose by {rose} over the run for {count} takeovers ({lost} candidates lost)");
            }
        }
        results.Add(new("epoch-plus-one-per-takeover", epoch.Count == 0, epoch.Count == 0
            ? $"{e.RunTakeovers.Values.Sum()} takeovers, each raised its role's epoch by exactly one" + (lostInRun > 0 ? $"; {lostInRun} more by candidates that won and lost their lease before publishing" : string.Empty)
            : string.Join("; ", epoch)));

        var slow = e.Faults.Where(f => f.RecoveryMs > e.Bound.TotalMilliseconds || f.LongestWithoutPrimaryMs > e.Bound.TotalMilliseconds)
            .Select(f => $"fault {f.Fault.Index} ({f.Fault.Label} {f.Target}): takeover {f.TakeoverMs?.ToString("F0") ?? "-"} ms, {f.WorstRole} without primary {f.LongestWithoutPrimaryMs:F0} ms").ToList();
        var failed = e.Faults.Where(f => f.Problem is not null).Select(f => $"fault {f.Fault.Index} ({f.Fault.Label}): {f.Problem}").ToList();
        results.Add(new("recovery-within-bound", slow.Count == 0 && failed.Count == 0 && e.Faults.Count > 0, e.Faults.Count == 0 ? "no fault was injected"
            : slow.Count == 0 && failed.Count == 0 ? $"{e.Faults.Count} faults; every role had a primary again within {e.Bound.TotalMilliseconds:F0} ms of each"
            : string.Join("; ", slow.Concat(failed))));

        if (e.Calls is { } calls)
        {
            // A session a fault cost surfaces up to a TTL after its last acknowledgement, which can be after the cluster
            // looked whole again (a proxy re-establishing its session after an etcd pause): each window runs one recovery
            // bound (TTL + 1.5 s) past the fault's end.
            var windows = e.Faults.Select(f => (f.BeganMs, f.EndMs + e.Bound.TotalMilliseconds)).ToList();
            var lost = CallsFailedOutsideFaults(calls, windows);
            var inside = calls.Count(c => !c.Ok) - lost.Count;
            results.Add(new("no-call-lost-outside-faults", lost.Count == 0 && calls.Count > 0, calls.Count == 0 ? "no client call finished"
                : lost.Count == 0 ? $"{calls.Count} client calls through the proxy; every one outside the {windows.Count} fault windows (each until one recovery bound after the fault) answered ({inside} failed inside them)"
                : $"{lost.Count} of {calls.Count} calls failed outside every fault window, first: " + string.Join("; ", lost.Take(3).Select(c => $"sent at {c.StartMs:F0} ms, {c.CoordinatorRole}/{c.NodeRole}: {c.Error}"))));
        }

        var exits = UnexpectedExits(e.Events, e.StopMs);
        results.Add(new("no-unexpected-exit", exits.Count == 0, exits.Count == 0 ? "every exit before the stop followed a SIGKILL or SIGTERM of the run" : string.Join("; ", exits)));
        results.Add(new("every-process-back", e.FinalProblems.Count == 0, e.FinalProblems.Count == 0
            ? "at the end every process ran, had a session and answered; every role had a primary" : string.Join("; ", e.FinalProblems)));
        results.Add(new("nothing-left-running", e.Surviving.Count == 0, e.Surviving.Count == 0
            ? "no child or etcd pid of the run exists after the stop" : "still running: pids " + string.Join(", ", e.Surviving)));
        results.Add(new("network-removed", e.NetworkLeft is null or { Count: 0 }, e.NetworkLeft switch
        {
            null => "partitions off: no network to remove",
            { Count: 0 } => "every namespace, veth, bridge and nftables rule of the run is gone; the root ruleset is as before",
            var left => string.Join("; ", left),
        }));
        return results;
    }

    /// <summary>
    /// The failed calls that overlap no fault window (from when the runner began a fault to when the cluster was whole
    /// again after it): outside faults every call must be answered.
    /// </summary>
    internal static List<CallRecord> CallsFailedOutsideFaults(IReadOnlyList<CallRecord> calls, IReadOnlyList<(double From, double To)> windows) =>
        calls.Where(c => !c.Ok && !windows.Any(w => c.StartMs <= w.To && c.EndMs >= w.From)).ToList();

    /// <summary>Exits before <paramref name="stopMs"/> of a pid the run never sent SIGKILL or SIGTERM.</summary>
    internal static List<string> UnexpectedExits(IReadOnlyList<DemoEvent> events, double stopMs)
    {
        var signalled = events.Where(x => x.Kind == "signal" && x.Data["signal"]?.GetValue<string>() is nameof(UnixSignal.SIGKILL) or nameof(UnixSignal.SIGTERM))
            .Select(x => x.Data["pid"]!.GetValue<int>()).ToHashSet();
        return events.Where(x => x.Kind == "exit" && x.AtMs < stopMs && !signalled.Contains(x.Data["pid"]!.GetValue<int>()))
            .Select(x => $"{x.Process} (pid {x.Data["pid"]}) exited with {x.Data["exitCode"]} at {x.AtMs:F0} ms").ToList();
    }
}
