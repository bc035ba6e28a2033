using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Host.Demo;

/// <summary>One invariant, whether it held, and the evidence in one sentence.</summary>
internal sealed record InvariantResult(string Name, bool Passed, string Detail);

/// <summary>
/// The claims the demo proves, checked from what it recorded rather than from what the processes say about
/// themselves: one primary per role at any time, the fenced epoch rising by exactly one per takeover, no call
/// lost while callers wait for a primary, every process back, every fault recovered.
/// </summary>
internal static class InvariantChecker
{
    public const string SinglePrimary = "single-primary";
    public const string EpochPerTakeover = "epoch-plus-one-per-takeover";
    public const string NoCallLost = "no-call-lost";
    public const string AllBack = "every-process-back";
    public const string FaultsRecovered = "every-fault-recovered";

    public static IReadOnlyList<InvariantResult> Check(
        IReadOnlyList<FaultResult> faults,
        StateSampler sampler,
        IReadOnlyList<CallRecord> calls,
        IReadOnlyList<string> finalProblems,
        IReadOnlyDictionary<string, long> epochsAtStart,
        IReadOnlyDictionary<string, long> epochsAtEnd,
        IReadOnlyDictionary<string, int> takeovers)
    {
        var results = new List<InvariantResult>();

        results.Add(SinglePrimaryResult(sampler.SampleCount, sampler.ViolationCount, sampler.Violations, calls));

        var epochProblems = faults.Where(f => !f.EpochOk).Select(f => $"fault {f.Fault.Index} ({f.Fault.Label} {f.Fault.Role}): {f.EpochBefore} -> {f.EpochAfter}").ToList();
        foreach (var role in Roles.Coordinators)
        {
            var rose = epochsAtEnd.GetValueOrDefault(role) - epochsAtStart.GetValueOrDefault(role);
            var count = takeovers.GetValueOrDefault(role);
            if (rose != count)
            {
                epochProblems.Add($"{role}: epoch rose by {rose} over the run for {count} takeovers");
            }
        }
        results.Add(new(EpochPerTakeover, epochProblems.Count == 0, epochProblems.Count == 0
            ? $"{takeovers.Values.Sum()} takeovers, each raised its role's epoch by exactly one; node faults raised none"
            : string.Join("; ", epochProblems)));

        // Every failed call is lost: wait-for-primary rides through a failover, and a node call that meets a killed
        // node (still registered until its lease expires) is retried at once on another online node.
        var failed = calls.Where(c => !c.Ok).ToList();
        var atVictims = faults.Sum(f => f.CallsFailedAtVictim);
        var victimNote = atVictims == 0 ? "" : $"; {atVictims} of them failed at a killed node";
        results.Add(calls.Count == 0
            ? new(NoCallLost, false, "the workload finished no call")
            : new(NoCallLost, failed.Count == 0, failed.Count == 0
                ? $"{calls.Count} calls, none lost across {faults.Count(f => !f.Fault.Kind.IsNode())} primary failovers and {faults.Count(f => f.Fault.Kind.IsNode())} node kills (worst {calls.Max(c => c.LatencyMs):F0} ms)"
                : $"{failed.Count} of {calls.Count} calls lost, first at {failed[0].StartMs / 1000:F1} s ({failed[0].CoordinatorRole}/{failed[0].NodeRole}: {failed[0].Error}){victimNote}"));

        results.Add(new(AllBack, finalProblems.Count == 0, finalProblems.Count == 0
            ? "every child runs, has a session and answers Healthy or StandBy; every role has a primary"
            : string.Join("; ", finalProblems)));

        var unrecovered = faults.Where(f => f.Problem is not null).Select(f => $"fault {f.Fault.Index}: {f.Problem}").ToList();
        results.Add(new(FaultsRecovered, unrecovered.Count == 0, unrecovered.Count == 0
            ? $"{faults.Count} faults, each recovered and its victim rejoined"
            : string.Join("; ", unrecovered)));
        return results;
    }

    /// <summary>
    /// Two kinds of evidence: the sampler's states (every process asked every 50 ms), and every workload call,
    /// which carries the term of the primary that answered it. A call answered by an older term that started
    /// after a call answered by a newer term had ended means the deposed primary served after its successor did.
    /// </summary>
    internal static InvariantResult SinglePrimaryResult(long samples, int sampleViolationCount, IReadOnlyList<string> sampleViolations, IReadOnlyList<CallRecord> calls)
    {
        if (samples == 0)
        {
            return new(SinglePrimary, false, "no state sample was answered, nothing proves it");
        }
        var stale = StaleTermCalls(calls);
        var withTerm = calls.Count(c => c.Ok && c.CoordinatorTerm > 0);
        var problems = new List<string>();
        if (sampleViolations.Count > 0)
        {
            problems.Add($"{sampleViolationCount} overlapping samples, first: {sampleViolations[0]}");
        }
        if (stale.Count > 0)
        {
            problems.Add($"{stale.Count} role(s) served by an older term after a newer one, first: {stale[0]}");
        }
        return problems.Count == 0
            ? new(SinglePrimary, true, $"{samples} GetComponentStates answers, no older term Healthy after a newer one; "
                + $"{withTerm} calls answered with their primary's term, none by an older term after a newer one had answered")
            : new(SinglePrimary, false, string.Join("; ", problems));
    }

    /// <summary>
    /// Per coordinator role, the first pair of successful calls where one answered by term a started after one
    /// answered by a newer term b had already ended; empty when there is none.
    /// </summary>
    internal static IReadOnlyList<string> StaleTermCalls(IReadOnlyList<CallRecord> calls)
    {
        var found = new List<string>();
        foreach (var role in calls.Where(c => c.Ok && c.CoordinatorTerm > 0).GroupBy(c => c.CoordinatorRole, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            // Per term, the latest start and the earliest end; terms from newest to oldest, carrying the earliest end
            // of any newer term.
            var terms = role.GroupBy(c => c.CoordinatorTerm)
                .Select(g => (Term: g.Key, LatestStart: g.MaxBy(c => c.StartMs), EarliestEnd: g.MinBy(c => c.EndMs)))
                .OrderByDescending(t => t.Term)
                .ToList();
            CallRecord? newerEnd = null;
            long newerTerm = 0;
            foreach (var t in terms)
            {
                if (newerEnd is { } n && t.LatestStart.StartMs > n.EndMs)
                {
                    found.Add($"{role.Key}: a call answered by term {t.Term} started at {t.LatestStart.StartMs / 1000:F3} s, "
                        + $"after a call answered by term {newerTerm} had ended at {n.EndMs / 1000:F3} s");
                    break;
                }
                if (newerEnd is null || t.EarliestEnd.EndMs < newerEnd.Value.EndMs)
                {
                    newerEnd = t.EarliestEnd;
                    newerTerm = t.Term;
                }
            }
        }
        return found;
    }
}
