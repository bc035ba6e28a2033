namespace Coordinators.Actors.Election;

// The internal protocol of CoordinatorActor. Each message carries the generation of the behaviour that started
// the work, so a result arriving after a transition is recognised as stale and dropped.

internal sealed record StartCampaign(int Generation);

internal sealed record CampaignDone(int Generation, CampaignOutcome Outcome);

internal sealed record CampaignFailed(int Generation, Exception Error);

internal sealed record PredecessorDeleted(int Generation);

internal sealed record WatchFailed(int Generation, Exception Error);

internal sealed record WarmUpTick(int Generation);

internal sealed record WarmUpDone(int Generation, Exception? Error);

internal sealed record ServiceStarted(int Generation);

internal sealed record ServiceStartFailed(int Generation, Exception Error);

internal sealed record ActivePublished(int Generation);

internal sealed record ActivePublishFailed(int Generation, Exception Error);

internal sealed record GuardCheck(int Generation);

internal sealed record GuardRejectedByRequest;

internal sealed record CandidateDeleted(int Generation);

internal sealed record ServiceStopped(int Generation);

internal sealed record ResignFinished(Exception? Error);

/// <summary>The phases a coordinator moves through; logged on every transition.</summary>
public enum CoordinatorPhase
{
    /// <summary>No session yet (or the last one was lost).</summary>
    AwaitingSession,
    /// <summary>Candidate key being put or ranked.</summary>
    Campaigning,
    /// <summary>Queued behind a predecessor, watching it.</summary>
    Standby,
    /// <summary>Leading: starting, publishing, or serving.</summary>
    Primary,
    /// <summary>Leadership just ended; the service is being stopped.</summary>
    SteppingDown,
    /// <summary>Resigning on a clean stop.</summary>
    Stopping,
}
