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
    private void BecomePrimary(Candidacy c, long readRevision)
    {
        // Logged once the active key is published, so the line says how long the whole takeover took.
        var leading = c with { LedThisSession = true, LastLedTerm = c.Term, WatchFailures = 0 };
        var key = CandidateKeyOf(c);
        var state = new PrimaryState(leading, _state.Phase, c.Term == c.LastLedTerm, new CancellationTokenSource(),
            _store.Fenced(key, c.Term, _settings.Guard), new CancellationTokenSource());
        Transition(state, "leads the queue", Primary, log: false);
        var generation = _generation;
        _settings.Service.StartAsync(c.Term, state.Fenced, state.Leadership.Token)
            .PipeTo(Self, success: () => new ServiceStarted(generation), failure: e => new ServiceStartFailed(generation, e));
        // From the read's revision + 1, as etcd's waitDelete: a DELETE between the read and the watch is not missed. A
        // watch that cannot go on (resumed below a compaction after a broken stream, cancelled by etcd) re-reads the key
        // and watches on while the key is still this term's: before, the primary stepped down for it, a needless
        // failover whenever a long-serving primary's watch broke behind an etcd with auto-compaction.
        var (log, role, serverId, store) = (Log, Role, ServerIdOf(c), _store);
        var watch = KeyDeleteWatch.WaitAsync(
            (from, ct) => store.WatchDeleteAsync(key, from, ct), ct => store.ReadKeyAsync(key, ct),
            c.Term, readRevision + 1, _time, _settings.Random,
            (why, from) => ElectionLog.CandidateWatchResumed(log, role, serverId, c.Term, why, from),
            state.Watch.Token);
        TellWhenDeletedAsync(watch, Self, new CandidateDeleted(generation), e => new WatchFailed(generation, e), state.Watch.Token)
            .PipeTo(Self, success: () => Done.Instance, failure: e => new WatchFailed(generation, e));
        ScheduleGuardCheck();
    }

    private void Primary(PrimaryState state)
    {
        var term = state.Candidacy.Term;
        Receive<ServiceStarted>(m => m.Generation == _generation, _ =>
        {
            // Serve before publishing: a client that reads the active key must find a primary that answers
            // (Milvus #38608 published first). Serving early is safe: every write is fenced on the term, and no
            // client knows this address as the primary until the key is out.
            SetHostState(StateCode.Healthy, $"primary, term {term}", term);
            PublishActiveKey(state);
        });
        Receive<ActivePublished>(m => m.Generation == _generation, _ =>
        {
            Telemetry.Takeovers.Add(1, Telemetry.RoleTag(Role));
            Telemetry.TakeoverDuration.Record(_time.GetElapsedTime(_triggeredAt).TotalSeconds, Telemetry.RoleTag(Role));
            LogTransition(state.From, CoordinatorPhase.Primary, state.SameTermAgain
                ? "service started again with the same term (the lease outlived the guard), serving, active key published"
                : "service started, serving, active key published", state.Candidacy);
        });
        Receive<ServiceStartFailed>(m => m.Generation == _generation, m => StepDown(state.Candidacy, "service start failed: " + m.Error.Message));
        Receive<ActivePublishFailed>(m => m.Generation == _generation, m => StepDown(state.Candidacy, "publishing the active key failed: " + m.Error.Message));
        Receive<CandidateDeleted>(m => m.Generation == _generation, _ => StepDown(state.Candidacy, "own candidate key deleted"));
        Receive<WatchFailed>(m => m.Generation == _generation, m => StepDown(state.Candidacy, "candidate watch failed: " + m.Error.Message));
        Receive<GuardCheck>(m => m.Generation == _generation, _ =>
        {
            if (_settings.Guard.IsValid)
            {
                ScheduleGuardCheck();
            }
            else
            {
                StepDown(state.Candidacy, "lease guard expired (no keep-alive acknowledged in time)");
            }
        });
        Receive<GuardRejectedByRequest>(_ => StepDown(state.Candidacy, "lease guard expired; a request was refused"));
        Receive<SessionLost>(m =>
        {
            Trigger();
            StepDown(OnSessionLost(state.Candidacy) with { Term = term }, "session lost: " + m.Reason);
        });
        Receive<SessionEstablished>(m =>
        {
            // A new session while leading on the old one: leadership of the old term ends first, then the stepped-down
            // actor campaigns with the new session (SteppingDown -> Campaigning).
            Trigger();
            StepDown(state.Candidacy with { Session = m.Session }, $"session replaced by {m.Session.ServerId}", campaignWithTermZero: true);
        });
        Common(state);
    }

    private void PublishActiveKey(PrimaryState state)
    {
        var generation = _generation;
        var session = state.Candidacy.LiveSession;
        var active = session with { Term = state.Candidacy.Term, Since = _time.GetUtcNow() };
        state.Fenced.TxnAsync([], [Op.Put(_settings.Layout.ActiveKey(Role), active.ToJson(), session.LeaseId)], null, state.Leadership.Token)
            .PipeTo(Self, success: _ => new ActivePublished(generation), failure: e => new ActivePublishFailed(generation, e));
    }

    private void ScheduleGuardCheck()
    {
        var remaining = _settings.Guard.Remaining;
        Timers.StartSingleTimer("guard", new GuardCheck(_generation), remaining > TimeSpan.FromMilliseconds(1) ? remaining : TimeSpan.FromMilliseconds(1));
    }

    /// <summary>
    /// Stops serving at once (state first, then the leadership token: leaving Primary releases it), then stops the
    /// service. The stepped-down data keeps the term for the transition line; with <paramref name="campaignWithTermZero"/>
    /// (a new session) it is cleared right after.
    /// </summary>
    private void StepDown(Candidacy c, string why, bool campaignWithTermZero = false)
    {
        SetHostState(StateCode.StandBy, "stepped down: " + why);
        Transition(new SteppingDownState(c), why, SteppingDown);
        if (campaignWithTermZero)
        {
            Stay(new SteppingDownState(c with { Term = 0 }), SteppingDown);
        }
        var generation = _generation;
        var timeout = new CancellationTokenSource(_settings.Options.Election.ResignTimeout, _time);
        StopServiceAsync(ServerIdOf(c), timeout)
            .PipeTo(Self, success: () => new ServiceStopped(generation), failure: _ => new ServiceStopped(generation));
    }

    /// <summary>
    /// Tells <paramref name="self"/> <paramref name="deleted"/> when <paramref name="watch"/> completes and
    /// <paramref name="failed"/> when it faults; nothing once <paramref name="ct"/> is cancelled (the behaviour moved on).
    /// </summary>
    private static async Task TellWhenDeletedAsync(Task watch, IActorRef self, object deleted, Func<Exception, object> failed, CancellationToken ct)
    {
        try
        {
            await watch.ConfigureAwait(false);
            self.Tell(deleted);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The watcher moved on.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            self.Tell(failed(e));
        }
    }

    /// <summary>Stops the service within the resign timeout; a failure is logged, and stepping down goes on.</summary>
    private async Task StopServiceAsync(long serverId, CancellationTokenSource timeout)
    {
        var log = Log;
        var role = Role;
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

    private void SteppingDown(SteppingDownState state)
    {
        Receive<ServiceStopped>(m => m.Generation == _generation, _ =>
        {
            Stash.UnstashAll();
            if (state.Candidacy.Session is null)
            {
                Transition(new AwaitingSessionState(state.Candidacy), "service stopped; waiting for a new session", AwaitingSession);
            }
            else
            {
                StartCampaigning(state.Candidacy, "service stopped; campaigning again");
            }
        });
        Receive<SessionLost>(_ => Stay(new SteppingDownState(OnSessionLost(state.Candidacy) with { Term = state.Candidacy.Term }), SteppingDown));
        Receive<SessionEstablished>(_ => Stash.Stash());
        Receive<Resign>(_ => Stash.Stash());
        ReceiveAny(_ => { });
    }
}
