using Coordinators.Actors.Etcd;
using Coordinators.Actors.Components;
using Akka;
using Akka.Actor;
using Coordinators.Actors.Sessions;

namespace Coordinators.Actors.Election;

/// <summary>AwaitingSession, Campaigning and Standby.</summary>
public sealed partial class CoordinatorActor
{
    private void AwaitingSession(AwaitingSessionState state)
    {
        Receive<SessionEstablished>(m =>
        {
            Trigger();
            StartCampaigning(state.Candidacy.WithSession(m.Session), $"session {m.Session.ServerId} established");
        });
        Receive<SessionLost>(_ => { });
        Receive<Resign>(_ => StartStopping(state));
        ReceiveAny(_ => { });
    }

    // A predecessor watch that ran this long before failing is not a failure in a row.
    private static readonly TimeSpan WatchLivedLong = TimeSpan.FromSeconds(5);

    private void StartCampaigning(Candidacy candidacy, string why)
    {
        Transition(new CampaigningState(candidacy), why, Campaigning);
        SetHostState(StateCode.StandBy, why);
        Self.Tell(new StartCampaign(_generation));
    }

    private void Campaigning(CampaigningState state)
    {
        Receive<StartCampaign>(m => m.Generation == _generation, _ => RunCampaign(state.Candidacy));
        Receive<CampaignDone>(m => m.Generation == _generation, m => OnCampaignDone(state.Candidacy, m.Outcome));
        Receive<CampaignFailed>(m => m.Generation == _generation, m =>
        {
            ElectionLog.Failed(Log, Role, state.Candidacy.LiveSession.ServerId, "campaign", m.Error.Message);
            Timers.StartSingleTimer("retry", new StartCampaign(_generation), _settings.RetryDelay);
        });
        Common(state);
    }

    private void RunCampaign(Candidacy c)
    {
        var generation = _generation;
        _store.CampaignAsync(_settings.Layout.ElectionPrefix(Role), CandidateKeyOf(c), c.LiveSession, c.Term, _life.Token)
            .PipeTo(Self, success: o => new CampaignDone(generation, o), failure: e => new CampaignFailed(generation, e));
    }

    private void OnCampaignDone(Candidacy c, CampaignOutcome outcome)
    {
        if (outcome.OwnKeyGone)
        {
            // The lease is gone; the session will report it. Until then keep asking.
            Stay(new CampaigningState(c with { Term = 0 }), Campaigning);
            Timers.StartSingleTimer("retry", new StartCampaign(_generation), _settings.RetryDelay);
            return;
        }
        var ranked = c with { Term = outcome.Term };
        if (outcome.Predecessor is null)
        {
            if (!_settings.Guard.IsValid)
            {
                // Leading in etcd, but our own clock cannot vouch for the lease yet: wait for a keep-alive.
                Stay(new CampaigningState(ranked), Campaigning);
                Timers.StartSingleTimer("retry", new StartCampaign(_generation), TimeSpan.FromMilliseconds(50));
                return;
            }
            BecomePrimary(ranked, outcome.Revision);
            return;
        }
        BecomeStandby(ranked, outcome);
    }

    private void BecomeStandby(Candidacy c, CampaignOutcome outcome)
    {
        var predecessor = outcome.Predecessor!;
        var rehearse = !c.Rehearsed;
        var state = new StandbyState(c with { Rehearsed = true }, predecessor, new CancellationTokenSource(), _time.GetTimestamp(), outcome.OnlyOneAhead, outcome.Revision);
        Transition(state, $"queued behind {predecessor}", Standby);
        SetHostState(StateCode.StandBy, "standby behind " + predecessor);
        var generation = _generation;
        TellWhenDeletedAsync(_store.WatchDeleteAsync(predecessor, outcome.Revision + 1, state.Watch.Token), Self,
                new PredecessorDeleted(generation), e => new WatchFailed(generation, e), state.Watch.Token)
            .PipeTo(Self, success: () => Done.Instance, failure: e => new WatchFailed(generation, e));
        Timers.StartPeriodicTimer("warm-up", new WarmUpTick(generation), TimeSpan.Zero, _settings.Options.Election.WarmUpInterval);
        if (rehearse)
        {
            Rehearse(c);
        }
    }

    private void Standby(StandbyState state)
    {
        Receive<PredecessorDeleted>(m => m.Generation == _generation, _ =>
        {
            Trigger();
            if (state.Next && _settings.Guard.IsValid)
            {
                // The only candidate ahead is gone: first, without ranking again (one etcd read off the takeover). The own
                // key is watched from the rank read's revision + 1 (that Txn saw it with this term), so a DELETE since is
                // not missed; that revision may be compacted by now, which the candidate watch survives by re-reading.
                BecomePrimary(state.Candidacy with { WatchFailures = 0 }, state.RankRevision);
                return;
            }
            StartCampaigning(state.Candidacy with { WatchFailures = 0 }, "predecessor deleted");
        });
        Receive<WatchFailed>(m => m.Generation == _generation, m =>
        {
            Trigger();
            // The first failure ranks again at once (a compacted watch says nothing about the predecessor); failures in
            // a row (a watch etcd keeps refusing, e.g. PermissionDenied) back off 100 ms doubling to 5 s instead of
            // looping at round-trip speed. A watch that lived 5 s before failing starts the count again.
            var inARow = _time.GetElapsedTime(state.WatchedAt) >= WatchLivedLong ? 0 : state.Candidacy.WatchFailures;
            var next = state.Candidacy with { WatchFailures = inARow + 1 };
            var why = "predecessor watch failed: " + m.Error.Message;
            if (inARow == 0)
            {
                StartCampaigning(next, why);
                return;
            }
            var delay = Backoff.Delay(Math.Min(inARow - 1, 6), TimeSpan.FromMilliseconds(100), WatchLivedLong, 0.2, _settings.Random.NextDouble());
            why += $" ({inARow + 1} in a row; campaigning again in {delay.TotalMilliseconds:F0} ms)";
            Transition(new CampaigningState(next), why, Campaigning);
            SetHostState(StateCode.StandBy, why);
            Timers.StartSingleTimer("retry", new StartCampaign(_generation), delay);
        });
        Receive<WarmUpTick>(m => m.Generation == _generation, _ =>
        {
            if (_warmUpRunning)
            {
                return;
            }
            _warmUpRunning = true;
            var generation = _generation;
            _settings.Service.WarmUpAsync(state.Watch.Token)
                .PipeTo(Self, success: () => new WarmUpDone(generation, null), failure: e => new WarmUpDone(generation, e));
        });
        Common(state);
    }
}
