namespace Coordinators.Actors.Kernel;

/// <summary>
/// How a parent handles the failures of its children. Only one-for-one supervision exists here: the
/// decision applies to the failing child alone (see <see cref="OneForOneStrategy"/>).
/// </summary>
public abstract class SupervisorStrategy
{
    /// <summary>
    /// Restart on any exception, at most 10 times within one minute, after which the child is stopped.
    /// Used when neither <see cref="Props.WithSupervisorStrategy"/> nor an override of
    /// <see cref="Actor.SupervisorStrategy"/> says otherwise.
    /// </summary>
    public static SupervisorStrategy Default { get; } = new OneForOneStrategy(10, TimeSpan.FromMinutes(1), _ => Directive.Restart);

    /// <summary>A strategy that stops a child on its first failure.</summary>
    public static SupervisorStrategy StoppingStrategy { get; } = new OneForOneStrategy(_ => Directive.Stop);

    /// <summary>Chooses the directive for <paramref name="cause"/>.</summary>
    public abstract Directive Decide(Exception cause);

    /// <summary>Restarts allowed within <see cref="WithinTimeRange"/>; negative means unlimited.</summary>
    public abstract int MaxNrOfRetries { get; }

    /// <summary>The sliding window for <see cref="MaxNrOfRetries"/>; <see cref="Timeout.InfiniteTimeSpan"/> means no window (count forever).</summary>
    public abstract TimeSpan WithinTimeRange { get; }
}

/// <summary>
/// One-for-one supervision: the decider maps the child's exception to a <see cref="Directive"/>, and a
/// child restarted more than <see cref="MaxNrOfRetries"/> times within <see cref="WithinTimeRange"/> is
/// stopped instead. The window is measured on the system's <see cref="TimeProvider"/>.
/// </summary>
public sealed class OneForOneStrategy : SupervisorStrategy
{
    private readonly Func<Exception, Directive> _decider;

    /// <summary>Creates a strategy with a restart limit of <paramref name="maxNrOfRetries"/> within <paramref name="withinTimeRange"/>.</summary>
    public OneForOneStrategy(int maxNrOfRetries, TimeSpan withinTimeRange, Func<Exception, Directive> decider)
    {
        ArgumentNullException.ThrowIfNull(decider);
        if (withinTimeRange <= TimeSpan.Zero && withinTimeRange != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(withinTimeRange), "the window must be positive or infinite");
        }
        MaxNrOfRetries = maxNrOfRetries;
        WithinTimeRange = withinTimeRange;
        _decider = decider;
    }

    /// <summary>Creates a strategy without a restart limit.</summary>
    public OneForOneStrategy(Func<Exception, Directive> decider)
        : this(-1, Timeout.InfiniteTimeSpan, decider)
    {
    }

    /// <inheritdoc />
    public override int MaxNrOfRetries { get; }

    /// <inheritdoc />
    public override TimeSpan WithinTimeRange { get; }

    /// <inheritdoc />
    public override Directive Decide(Exception cause) => _decider(cause);
}
