namespace Coordinators.Actors.Config;

/// <summary>rootcoord's duties: the timestamp oracle and the ID allocator (<c>rootcoord</c>).</summary>
public sealed record RootCoordOptions
{
    /// <summary>
    /// How far ahead of the timestamps handed out the primary persists its upper bound (<c>rootcoord.tso-window</c>):
    /// one fenced write per window; a new primary after a crash may wait up to this long for its clock to pass it.
    /// </summary>
    public TimeSpan TsoWindow { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How many IDs the primary reserves per fenced write (<c>rootcoord.id-block</c>).</summary>
    public int IdBlock { get; init; } = 10_000;
}

/// <summary>datacoord's duty: the segment meta table (<c>datacoord</c>).</summary>
public sealed record DataCoordOptions
{
    /// <summary>
    /// On: standbys keep a replica of the segment table (Range, then Watch from the next revision) and a takeover
    /// catches up only what it missed; off: the new primary reads the whole table at takeover (<c>datacoord.warm-standby</c>).
    /// </summary>
    public bool WarmStandby { get; init; } = true;
}
