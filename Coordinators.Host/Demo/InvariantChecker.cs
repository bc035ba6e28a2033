using Coordinators.Actors.Sessions;

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

        var violations = sampler.Violations;
        results.Add(sampler.SampleCount == 0
            ? new(SinglePrimary, false, "no state sample was answered, nothing proves it")
            : new(SinglePrimary, violations.Count == 0, violations.Count == 0
                ? $"{sampler.SampleCount} GetComponentStates answers, no older term Healthy after a newer one"
                : $"{sampler.ViolationCount} overlapping samples, first: {violations[0]}"));

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
                ? $"{calls.Count} calls, none lost across {faults.Count(f => f.Fault.Kind != FaultKind.NodeKill)} primary failovers and {faults.Count(f => f.Fault.Kind == FaultKind.NodeKill)} node kills (worst {calls.Max(c => c.LatencyMs):F0} ms)"
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
}
