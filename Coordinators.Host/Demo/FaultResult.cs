namespace Coordinators.Host.Demo;

/// <summary>
/// What one fault did: whom it hit, how long until a new primary published (coordinators) or the session
/// vanished (nodes), what the workload saw meanwhile, the epoch before and after, and when the victim was back.
/// </summary>
internal sealed record FaultResult
{
    public required Fault Fault { get; init; }

    public required string Target { get; init; }

    public required int Pid { get; init; }

    public required long ServerId { get; init; }

    /// <summary>When the signal was sent (demo ms).</summary>
    public required double AtMs { get; init; }

    /// <summary>Coordinator faults: ms from the signal until another server published the active key.</summary>
    public double? FailoverMs { get; init; }

    /// <summary>The new primary's ServerID.</summary>
    public long? NewPrimary { get; init; }

    /// <summary>Node faults: ms from the signal until the node's session was gone from etcd.</summary>
    public double? SessionGoneMs { get; init; }

    /// <summary>ms from the signal until the victim (restarted or resumed) was back as standby or node.</summary>
    public double? RejoinedMs { get; init; }

    /// <summary>The role's epoch counter before the fault.</summary>
    public long EpochBefore { get; init; }

    /// <summary>The role's epoch counter once the fault was over.</summary>
    public long EpochAfter { get; init; }

    /// <summary>Workload calls that failed between the signal and the end of the fault.</summary>
    public int CallsFailed { get; init; }

    /// <summary>
    /// Node faults: failed calls whose error names the killed node's address. MEP 2 fails a call to a node that
    /// is gone fast (Unavailable) rather than hiding it; these are reported, not counted as lost.
    /// </summary>
    public int CallsFailedAtVictim { get; init; }

    /// <summary>Workload calls that finished between the signal and the end of the fault.</summary>
    public int Calls { get; init; }

    /// <summary>The slowest call that finished in that window (ms).</summary>
    public double WorstLatencyMs { get; init; }

    /// <summary>When the fault was over (demo ms): the victim rejoined and the cluster was whole again.</summary>
    public double EndMs { get; init; }

    /// <summary>Why the fault did not go as MEP 30 / MEP 2 say, or null when it did.</summary>
    public string? Problem { get; init; }

    /// <summary>The epoch rose by exactly one for a takeover, and not at all for a node fault.</summary>
    public bool EpochOk => Fault.Kind.IsNode() ? EpochAfter == EpochBefore : EpochAfter == EpochBefore + 1;
}
