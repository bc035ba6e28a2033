namespace Coordinators.Actors.Election;

/// <summary>
/// The role-specific part of a coordinator (RootCoord, DataCoord ...). The <see cref="CoordinatorActor"/> warms it
/// up while standby, starts it with the term when it becomes primary, and stops it when leadership ends.
/// </summary>
public interface ICoordinatorService
{
    /// <summary>Called periodically while standby, so a takeover finds fresh state (MEP 30's WarmUp).</summary>
    Task WarmUpAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Starts serving as primary for <paramref name="term"/>. Every write must go through
    /// <paramref name="store"/> (fenced by the term); <paramref name="leadership"/> is cancelled the moment
    /// leadership ends. A <see cref="LeadershipLostException"/> tells the actor leadership is gone.
    /// It may be called again with the same term after a stop: a primary whose lease guard expired while its lease (and
    /// candidate key) survived leads again with that term. No one led in between, so a service must not treat it as a
    /// new takeover (no second epoch or TSO bump for one term).
    /// </summary>
    Task StartAsync(long term, IFencedStore store, CancellationToken leadership);

    /// <summary>Stops serving; called after <c>leadership</c> was cancelled.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
