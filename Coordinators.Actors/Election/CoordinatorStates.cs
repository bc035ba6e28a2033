using Akka.Actor;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Election;

/// <summary>
/// What outlives a behaviour: the session (null without one), the own candidate key's CreateRevision once known (the
/// term when leading; 0 before the first campaign), whether this process led during the session (its loss then
/// triggers exit-on-session-loss), the term it last led with, whether the takeover rehearsal ran, and how many
/// predecessor watches in a row failed (the next campaign after one is delayed by a backoff). Immutable: a change is a
/// new record, passed to the next behaviour.
/// </summary>
internal sealed record Candidacy(SessionInfo? Session, long Term, bool LedThisSession, long LastLedTerm, bool Rehearsed, int WatchFailures = 0)
{
    /// <summary>A new actor's: no session, never led.</summary>
    public static Candidacy None { get; } = new(null, 0, false, 0, false);

    /// <summary>The live session; behaviours that need one are only entered with one.</summary>
    public SessionInfo LiveSession => Session ?? throw new InvalidOperationException("the coordinator has no session in a behaviour that needs one");

    /// <summary>A new session: campaigning starts over, with no term.</summary>
    public Candidacy WithSession(SessionInfo session) => this with { Session = session, Term = 0 };

    /// <summary>The session is gone: so is what this process did in it.</summary>
    public Candidacy WithoutSession() => this with { Session = null, Term = 0, LedThisSession = false };
}

/// <summary>
/// The data of one <see cref="CoordinatorActor"/> behaviour: one immutable record per behaviour, replaced (never
/// changed) on each transition. The resources a behaviour owns (its watch, a primary's leadership token) are released
/// when the actor leaves it.
/// </summary>
internal abstract record CoordinatorState(Candidacy Candidacy)
{
    /// <summary>The phase this data belongs to (logged, and read by tests).</summary>
    public abstract CoordinatorPhase Phase { get; }

    /// <summary>Cancels and disposes what the behaviour owns; called once, when the actor leaves it or stops.</summary>
    public virtual void Release()
    {
    }

    /// <summary>Cancels and disposes <paramref name="source"/>.</summary>
    protected static void End(CancellationTokenSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        source.Cancel();
        source.Dispose();
    }
}

/// <summary>No session yet, or the last one was lost.</summary>
internal sealed record AwaitingSessionState(Candidacy Candidacy) : CoordinatorState(Candidacy)
{
    public override CoordinatorPhase Phase => CoordinatorPhase.AwaitingSession;
}

/// <summary>Putting and ranking the candidate key.</summary>
internal sealed record CampaigningState(Candidacy Candidacy) : CoordinatorState(Candidacy)
{
    public override CoordinatorPhase Phase => CoordinatorPhase.Campaigning;
}

/// <summary>
/// Queued behind <paramref name="Predecessor"/>, whose deletion the <paramref name="Watch"/> (started at the monotonic
/// <paramref name="WatchedAt"/>) waits for. <paramref name="Next"/>: the predecessor was the only candidate ahead at the
/// rank read of revision <paramref name="RankRevision"/>, so its deletion makes this one first (keys ahead can only go;
/// a new candidate queues behind).
/// </summary>
internal sealed record StandbyState(Candidacy Candidacy, string Predecessor, CancellationTokenSource Watch, long WatchedAt, bool Next = false, long RankRevision = 0)
    : CoordinatorState(Candidacy)
{
    public override CoordinatorPhase Phase => CoordinatorPhase.Standby;

    public override void Release() => End(Watch);
}

/// <summary>
/// Leading with the candidacy's term: <paramref name="Leadership"/> is cancelled when it ends, <paramref name="Fenced"/>
/// writes only while the term holds, <paramref name="Watch"/> waits for the own key's deletion. <paramref name="From"/>
/// and <paramref name="SameTermAgain"/> are for the transition line logged once the active key is out.
/// </summary>
internal sealed record PrimaryState(Candidacy Candidacy, CoordinatorPhase From, bool SameTermAgain, CancellationTokenSource Leadership, IFencedStore Fenced, CancellationTokenSource Watch)
    : CoordinatorState(Candidacy)
{
    public override CoordinatorPhase Phase => CoordinatorPhase.Primary;

    public override void Release()
    {
        End(Leadership);
        End(Watch);
    }
}

/// <summary>Leadership just ended; the service is being stopped.</summary>
internal sealed record SteppingDownState(Candidacy Candidacy) : CoordinatorState(Candidacy)
{
    public override CoordinatorPhase Phase => CoordinatorPhase.SteppingDown;
}

/// <summary>Resigning on a clean stop, started from <paramref name="From"/>; <paramref name="ReplyTo"/> hears Done once the keys are gone.</summary>
internal sealed record StoppingState(Candidacy Candidacy, IActorRef? ReplyTo, CoordinatorPhase From) : CoordinatorState(Candidacy)
{
    public override CoordinatorPhase Phase => CoordinatorPhase.Stopping;
}
