namespace Coordinators.Actors.Config;

/// <summary>
/// How a ConnectionManager re-checks a connected peer (<c>health-check</c>). MEP 2 only connects once per Add event,
/// so a peer that hangs while its session stays alive (a deadlocked service, a full disk) would be found only by each
/// call's timeout. With checks on, <see cref="Failures"/> failed GetComponentStates in a row take the peer offline, so
/// calls to it fail at once; checks go on while it is offline and bring it back online when it answers again.
/// </summary>
public sealed record HealthCheckOptions
{
    /// <summary>Time between checks of each connected peer; 0 turns checks off (<c>health-check.interval</c>).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Deadline of one check (<c>health-check.timeout</c>).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Failed checks in a row that take a peer offline (<c>health-check.failures</c>).</summary>
    public int Failures { get; init; } = 2;

    /// <summary>True when checks run (<see cref="Interval"/> above 0).</summary>
    public bool Enabled => Interval > TimeSpan.Zero;

    /// <summary>Checks off: a connected peer is trusted until its session goes, as MEP 2 describes.</summary>
    public static HealthCheckOptions Off { get; } = new() { Interval = TimeSpan.Zero };
}
