using Coordinators.Actors.Components;
using Akka;
using Akka.Actor;
using Coordinators.Actors.Sessions;

namespace Coordinators.Actors.Election;

/// <summary>AwaitingSession, Campaigning and Standby.</summary>
public sealed partial class CoordinatorActor
{
    private void AwaitingSession()
    {
        Receive<SessionEstablished>(m =>
        {
            Trigger();
            _session = m.Session;
            _term = 0;
            StartCampaigning($"session {m.Session.ServerId} established");
        });
        Receive<SessionLost>(_ => { });
        Receive<Resign>(_ => StartStopping());
        ReceiveAny(_ => { });
    }

    private void StartCampaigning(string why)
    {
        Transition(CoordinatorPhase.Campaigning, why, Campaigning);
        SetHostState(StateCode.StandBy, why);
        Self.Tell(new StartCampaign(_generation));
    }

    private void Campaigning()
    {
        Receive<StartCampaign>(m => m.Generation == _generation, _ => RunCampaign());
        Receive<CampaignDone>(m => m.Generation == _generation, m => OnCampaignDone(m.Outcome));
        Receive<CampaignFailed>(m => m.Generation == _generation, m =>
        {
            ElectionLog.Failed(Log, Role, _session!.ServerId, "campaign", m.Error.Message);
            Timers.StartSingleTimer("retry", new StartCampaign(_generation), _settings.RetryDelay);
        });
        Common();
    }

    private void RunCampaign()
    {
        var generation = _generation;
        _store.CampaignAsync(_settings.Layout.ElectionPrefix(Role), CandidateKey, _session!, _term, _life.Token)
            .PipeTo(Self, success: o => new CampaignDone(generation, o), failure: e => new CampaignFailed(generation, e));
    }

    private void OnCampaignDone(CampaignOutcome outcome)
    {
        if (outcome.OwnKeyGone)
        {
            // The lease is gone; the session will report it. Until then keep asking.
            _term = 0;
            Timers.StartSingleTimer("retry", new StartCampaign(_generation), _settings.RetryDelay);
            return;
        }
        _term = outcome.Term;
        if (outcome.Predecessor is null)
        {
            if (!_settings.Guard.IsValid)
            {
                // Leading in etcd, but our own clock cannot vouch for the lease yet: wait for a keep-alive.
                Timers.StartSingleTimer("retry", new StartCampaign(_generation), TimeSpan.FromMilliseconds(50));
                return;
            }
            BecomePrimary(outcome.Revision);
            return;
        }
        BecomeStandby(outcome);
    }

    private void BecomeStandby(CampaignOutcome outcome)
    {
        Transition(CoordinatorPhase.Standby, $"queued behind {outcome.Predecessor}", Standby);
        SetHostState(StateCode.StandBy, "standby behind " + outcome.Predecessor);
        var generation = _generation;
        _store.WatchDeleteAsync(outcome.Predecessor!, outcome.Revision + 1, Self,
                new PredecessorDeleted(generation), e => new WatchFailed(generation, e), NewWatch())
            .PipeTo(Self, success: () => Done.Instance, failure: e => new WatchFailed(generation, e));
        Timers.StartPeriodicTimer("warm-up", new WarmUpTick(generation), TimeSpan.Zero, _settings.Options.Election.WarmUpInterval);
        RehearseOnce();
    }

    private void Standby()
    {
        Receive<PredecessorDeleted>(m => m.Generation == _generation, _ =>
        {
            Trigger();
            StartCampaigning("predecessor deleted");
        });
        Receive<WatchFailed>(m => m.Generation == _generation, m =>
        {
            Trigger();
            StartCampaigning("predecessor watch failed: " + m.Error.Message);
        });
        Receive<WarmUpTick>(m => m.Generation == _generation, _ =>
        {
            if (_warmUpRunning)
            {
                return;
            }
            _warmUpRunning = true;
            var generation = _generation;
            _settings.Service.WarmUpAsync(_watch?.Token ?? _life.Token)
                .PipeTo(Self, success: () => new WarmUpDone(generation, null), failure: e => new WarmUpDone(generation, e));
        });
        Common();
    }
}
