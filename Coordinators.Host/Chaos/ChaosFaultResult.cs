using Coordinators.Host.Demo;

namespace Coordinators.Host.Chaos;

/// <summary>
/// What one chaos fault did, measured from the run's own observation: when it was injected and over, whom it hit,
/// how long until another server of the role answered Healthy (primary faults), the longest time any role answered
/// no Healthy at all, which roles changed primary, the epochs before and after, and what went wrong.
/// </summary>
internal sealed record ChaosFaultResult
{
    public required ChaosFault Fault { get; init; }

    /// <summary>The process slot or etcd member hit ("rootcoord-2", "etcd-m1").</summary>
    public required string Target { get; init; }

    public required double AtMs { get; init; }

    /// <summary>When the runner began this fault (before choosing the victim), chaos ms: the fault's window opens here.</summary>
    public double BeganMs { get; init; }

    public required double EndMs { get; init; }

    /// <summary>Primary faults: ms from the signal to the first Healthy answer of another server of the role.</summary>
    public double? TakeoverMs { get; init; }

    /// <summary>A primary cut from etcd: ms from the cut until its first answer other than Healthy arrived (its guard stopped it by then).</summary>
    public double? StoppedServingMs { get; init; }

    /// <summary>A primary cut from etcd: ms from the cut to the send time of the last question it answered Healthy
    /// (it provably served until then).</summary>
    public double? ServedUntilMs { get; init; }

    /// <summary>Partitions: when the cut was healed (chaos ms).</summary>
    public double? HealedAtMs { get; init; }

    /// <summary>A primary cut from its clients: ms from the heal to the first successful client call of its role.</summary>
    public double? ClientsBackMs { get; init; }

    /// <summary>The longest time, over every coordinator role, without a Healthy answer in the fault's window.</summary>
    public double LongestWithoutPrimaryMs { get; init; }

    /// <summary>The role that went longest without a Healthy answer.</summary>
    public string? WorstRole { get; init; }

    /// <summary>Roles whose published primary changed (server or term) during the fault.</summary>
    public IReadOnlyList<string> Takeovers { get; init; } = [];

    /// <summary>Per role, the epoch before and after.</summary>
    public IReadOnlyDictionary<string, (long Before, long After)> Epochs { get; init; } = new Dictionary<string, (long, long)>();

    /// <summary>The demo runner's measurements, for the primary faults it injected.</summary>
    public FaultResult? Demo { get; init; }

    /// <summary>Workload calls that failed in the window, and all that finished.</summary>
    public int CallsFailed { get; init; }

    public int Calls { get; init; }

    /// <summary>Why the fault did not go as it should, or null.</summary>
    public string? Problem { get; init; }

    /// <summary>The recovery figure the summary table ranks: the takeover for primary faults, else the longest gap.</summary>
    public double RecoveryMs => TakeoverMs ?? LongestWithoutPrimaryMs;

    /// <summary>
    /// Per role, candidates that lost their key in the window without being the primary whose active key went with it
    /// (candidate deletions minus active-key deletions): each may have led and raised the epoch before its lease went.
    /// </summary>
    public IReadOnlyDictionary<string, int> CandidatesLost { get; init; } = new Dictionary<string, int>();

    /// <summary>Each role's epoch rose by its number of takeovers, plus at most one per candidate lost (<see cref="EpochWithin"/>).</summary>
    public bool EpochOk => Epochs.All(e => EpochWithin(e.Value.After - e.Value.Before, Takeovers.Count(r => r == e.Key), CandidatesLost.GetValueOrDefault(e.Key)));

    /// <summary>
    /// Every takeover raises the epoch once; a candidate that won the election, raised the epoch and lost its lease before
    /// publishing its active key (an etcd-leader pause at TTL 2 s expires every lease at once) raises it once more without
    /// a takeover anyone saw. A same-term second increment loses no candidate, so it still fails.
    /// </summary>
    public static bool EpochWithin(long rise, int takeovers, int candidatesLost) => rise >= takeovers && rise <= takeovers + candidatesLost;
}
