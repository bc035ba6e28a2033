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
        var state = new StandbyState(c with { Rehearsed = true }, predecessor, new CancellationTokenSource());
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
            StartCampaigning(state.Candidacy, "predecessor deleted");
        });
        Receive<WatchFailed>(m => m.Generation == _generation, m =>
        {
            Trigger();
            StartCampaigning(state.Candidacy, "predecessor watch failed: " + m.Error.Message);
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
