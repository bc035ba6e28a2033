namespace Coordinators.Actors.Config;

/// <summary>Timings of the primary-backup election (MEP 30).</summary>
public sealed record ElectionOptions
{
    /// <summary>How often a standby runs its warm-up step (refreshing meta so a takeover is fast) (<c>election.warm-up-interval</c>).</summary>
    public TimeSpan WarmUpInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a clean stop may spend resigning (delete the candidate key, revoke the lease) (<c>election.resign-timeout</c>).</summary>
    public TimeSpan ResignTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Compile the library's code on a background thread once the process is ready, so the takeover and the resign,
    /// each run once per process, are not JIT-compiled on the failover's clock (<c>election.warm-jit</c>).
    /// </summary>
    public bool WarmJit { get; init; } = true;
}
