namespace Coordinators.Actors.Kernel;

/// <summary>When a <see cref="BackoffSupervisor"/> restarts its child.</summary>
public enum BackoffMode
{
    /// <summary>Restart after the child failed; a child that stops by itself stops the supervisor too.</summary>
    OnFailure,

    /// <summary>Restart whenever the child stops, whether it failed or stopped by itself (e.g. a lost connection it gave up on).</summary>
    OnStop,
}

/// <summary>Settings of a <see cref="BackoffSupervisor"/>.</summary>
public sealed class BackoffOptions
{
    /// <summary>Creates options for the child made from <paramref name="childProps"/> and named <paramref name="childName"/>.</summary>
    public BackoffOptions(Props childProps, string childName)
    {
        ArgumentNullException.ThrowIfNull(childProps);
        ArgumentException.ThrowIfNullOrEmpty(childName);
        ChildProps = childProps;
        ChildName = childName;
    }

    /// <summary>How to make the supervised child.</summary>
    public Props ChildProps { get; }

    /// <summary>The child's name (the same for every incarnation).</summary>
    public string ChildName { get; }

    /// <summary>The delay before the first restart; each further restart doubles it. Defaults to 200 ms.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The ceiling of the doubling delay. Defaults to 30 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Jitter: each delay is stretched by a random fraction up to this factor (0.2 = up to 20 % longer), so many
    /// clients that lost the same peer do not retry in lock-step. Defaults to 0.2.
    /// </summary>
    public double RandomFactor { get; init; } = 0.2;

    /// <summary>How long a child must run without stopping before the delay falls back to <see cref="MinBackoff"/>. Defaults to <see cref="MinBackoff"/> when null.</summary>
    public TimeSpan? ResetAfter { get; init; }

    /// <summary>Restarts allowed since the last reset before the supervisor gives up and stops; negative means unlimited (the default).</summary>
    public int MaxRestarts { get; init; } = -1;

    /// <summary>Whether a voluntary stop of the child is restarted too. Defaults to <see cref="BackoffMode.OnFailure"/>.</summary>
    public BackoffMode Mode { get; init; } = BackoffMode.OnFailure;
}
