using Coordinators.Actors.Components;
using Coordinators.Actors.Etcd;
using Akka;
using Akka.Actor;
using Coordinators.Actors.Model;
using Coordinators.Actors.Sessions;

namespace Coordinators.Actors.Election;

/// <summary>Primary and SteppingDown.</summary>
public sealed partial class CoordinatorActor
{
    /// <summary>Leads from the campaign's read at <paramref name="readRevision"/>: the own key is watched from the next revision.</summary>
    private void BecomePrimary(long readRevision)
    {
        // Logged once the active key is published, so the line says how long the whole takeover took.
        var from = _phase;
        Transition(CoordinatorPhase.Primary, "leads the queue", Primary, log: false);
        _primaryFrom = from;
        _sameTermAgain = _term == _lastLedTerm;
        _lastLedTerm = _term;
        var generation = _generation;
        _ledThisSession = true;
        _leadership = new CancellationTokenSource();
        var store = _store.Fenced(CandidateKey, _term, _settings.Guard);
        _fenced = store;
        StartServiceAsync(store, _leadership.Token)
            .PipeTo(Self, success: () => new ServiceStarted(generation), failure: e => new ServiceStartFailed(generation, e));
        // From the read's revision + 1, as etcd's waitDelete: a DELETE between the read and the watch is not missed.
        _store.WatchDeleteAsync(CandidateKey, readRevision + 1, Self,
                new CandidateDeleted(generation), e => new WatchFailed(generation, e), NewWatch())
            .PipeTo(Self, success: () => Done.Instance, failure: e => new WatchFailed(generation, e));
        ScheduleGuardCheck();
    }

    // The phase Primary was entered from, for its delayed transition line.
    private CoordinatorPhase _primaryFrom;
    // The term this actor last led with (its session's candidate key), and whether the current lead repeats it.
    private long _lastLedTerm;
    private bool _sameTermAgain;
    // The fenced store of the current term.
    private IFencedStore? _fenced;

    private Task StartServiceAsync(IFencedStore store, CancellationToken leadership) =>
        _settings.Service.StartAsync(_term, store, leadership);

    private void Primary()
    {
        Receive<ServiceStarted>(m => m.Generation == _generation, _ =>
        {
            // Serve before publishing: a client that reads the active key must find a primary that answers
            // (Milvus #38608 published first). Serving early is safe: every write is fenced on the term, and no
            // client knows this address as the primary until the key is out.
            SetHostState(StateCode.Healthy, $"primary, term {_term}", _term);
            PublishActiveKey();
        });
        Receive<ActivePublished>(m => m.Generation == _generation, _ =>
        {
            Telemetry.Takeovers.Add(1, Telemetry.RoleTag(Role));
            Telemetry.TakeoverDuration.Record(_time.GetElapsedTime(_triggeredAt).TotalSeconds, Telemetry.RoleTag(Role));
            LogTransition(_primaryFrom, CoordinatorPhase.Primary, _sameTermAgain
                ? "service started again with the same term (the lease outlived the guard), serving, active key published"
                : "service started, serving, active key published");
        });
        Receive<ServiceStartFailed>(m => m.Generation == _generation, m => StepDown("service start failed: " + m.Error.Message));
        Receive<ActivePublishFailed>(m => m.Generation == _generation, m => StepDown("publishing the active key failed: " + m.Error.Message));
        Receive<CandidateDeleted>(m => m.Generation == _generation, _ => StepDown("own candidate key deleted"));
        Receive<WatchFailed>(m => m.Generation == _generation, m => StepDown("candidate watch failed: " + m.Error.Message));
        Receive<GuardCheck>(m => m.Generation == _generation, _ =>
        {
            if (_settings.Guard.IsValid)
            {
                ScheduleGuardCheck();
            }
            else
            {
                StepDown("lease guard expired (no keep-alive acknowledged in time)");
            }
        });
        Receive<GuardRejectedByRequest>(_ => StepDown("lease guard expired; a request was refused"));
        Receive<SessionLost>(m =>
        {
            Trigger();
            OnSessionLost();
            StepDown("session lost: " + m.Reason);
        });
        Receive<SessionEstablished>(m =>
        {
            // A new session while leading on the old one: leadership of the old term ends first, then the stepped-down
            // actor campaigns with the new session (SteppingDown -> Campaigning).
            Trigger();
            _session = m.Session;
            StepDown($"session replaced by {m.Session.ServerId}");
            _term = 0;
        });
        Common();
    }

    private void PublishActiveKey()
    {
        var generation = _generation;
        var active = _session! with { Term = _term, Since = _time.GetUtcNow() };
        var key = _settings.Layout.ActiveKey(Role);
        _fenced!.TxnAsync([], [Op.Put(key, active.ToJson(), _session!.LeaseId)], null, _leadership!.Token)
            .PipeTo(Self, success: _ => new ActivePublished(generation), failure: e => new ActivePublishFailed(generation, e));
    }

    private void ScheduleGuardCheck()
    {
        var remaining = _settings.Guard.Remaining;
        Timers.StartSingleTimer("guard", new GuardCheck(_generation), remaining > TimeSpan.FromMilliseconds(1) ? remaining : TimeSpan.FromMilliseconds(1));
    }

    /// <summary>Stops serving at once (state first, then the leadership token), then stops the service.</summary>
    private void StepDown(string why)
    {
        SetHostState(StateCode.StandBy, "stepped down: " + why);
        EndLeadership();
        Transition(CoordinatorPhase.SteppingDown, why, SteppingDown);
        var generation = _generation;
        var timeout = new CancellationTokenSource(_settings.Options.Election.ResignTimeout);
        StopServiceAsync(timeout)
            .PipeTo(Self, success: () => new ServiceStopped(generation), failure: _ => new ServiceStopped(generation));
    }

    /// <summary>Stops the service within the resign timeout; a failure is logged, and stepping down goes on.</summary>
    private async Task StopServiceAsync(CancellationTokenSource timeout)
    {
        var log = Log;
        var role = Role;
        var serverId = _session?.ServerId ?? Host.ServerId;
        try
        {
            await _settings.Service.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            ElectionLog.Failed(log, role, serverId, "service stop", e.Message);
        }
        finally
        {
            timeout.Dispose();
        }
    }

    private void SteppingDown()
    {
        Receive<ServiceStopped>(m => m.Generation == _generation, _ =>
        {
            Stash.UnstashAll();
            if (_session is null)
            {
                Transition(CoordinatorPhase.AwaitingSession, "service stopped; waiting for a new session", AwaitingSession);
            }
            else
            {
                StartCampaigning("service stopped; campaigning again");
            }
        });
        Receive<SessionLost>(_ => OnSessionLost());
        Receive<SessionEstablished>(_ => Stash.Stash());
        Receive<Resign>(_ => Stash.Stash());
        ReceiveAny(_ => { });
    }
}
