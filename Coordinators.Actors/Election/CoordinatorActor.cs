using Coordinators.Actors.Components;
using Akka;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Election;

/// <summary>
/// One coordinator role's side of MEP 30's primary-backup election, a child of the <see cref="SessionActor"/>.
/// Behaviours: AwaitingSession, Campaigning (put and rank the candidate key), Standby (watch only the nearest
/// predecessor, warm up on a timer), Primary (start the service with the term, report Healthy and serve, then
/// publish the active key by a fenced Txn, so the key never names a primary that cannot answer yet),
/// SteppingDown and Stopping (resign). Leadership ends at once on a failed fence, a
/// lost session, the lease guard expiring (timer and per-request check) or the own candidate key vanishing.
/// Every transition is logged in one line.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Actors are not disposed; sources are disposed on transitions and in PostStop.")]
public sealed partial class CoordinatorActor : ReceiveActor, IWithTimers, IWithStash
{
    private readonly CoordinatorActorSettings _settings;
    // The election's store operations (etcd in production).
    private readonly IElectionStore _store;
    private readonly TimeProvider _time;
    private readonly Action _onGuardRejected;
    // Cancelled when the actor stops (or restarts): ends campaigns and warm-ups still running.
    private readonly CancellationTokenSource _life = new();
    // The current behaviour's data (one immutable record per behaviour, CoordinatorStates.cs); replaced on each transition.
    private CoordinatorState _state = new AwaitingSessionState(Candidacy.None);
    // Bumped on every transition; results of work started in an earlier behaviour carry an older one.
    private int _generation;
    // Monotonic time the current transition was triggered, for "how long it took".
    private long _triggeredAt;
    // True while a WarmUp of any generation runs: a slow warm-up is never started twice. Work in flight, not behaviour
    // data: it outlives the behaviour that started it, and only its WarmUpDone clears it.
    private bool _warmUpRunning;

    /// <summary>Creates the actor; use <see cref="Props(CoordinatorActorSettings)"/> (Akka needs the constructor public).</summary>
    public CoordinatorActor(CoordinatorActorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _store = settings.Store ?? new EtcdElectionStore(settings.Etcd);
        Log = settings.Host.LoggerFactory.CreateLogger<CoordinatorActor>();
        _time = settings.Etcd.Options.TimeProvider;
        _triggeredAt = _time.GetTimestamp();
        var self = Self;
        _onGuardRejected = () => self.Tell(new GuardRejectedByRequest());
        AwaitingSession((AwaitingSessionState)_state);
    }

    /// <summary>Props of a coordinator actor.</summary>
    public static Props Props(CoordinatorActorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Akka.Actor.Props.Create(() => new CoordinatorActor(settings));
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    // Our structured log (event ids in ElectionLog); Akka's own events reach the same factory through Akka.Hosting.
    private ILogger Log { get; }

    /// <summary>The current phase (for tests and status).</summary>
    internal CoordinatorPhase Phase => _state.Phase;

    private ComponentHost Host => _settings.Host;

    private string Role => _settings.Role;

    private string CandidateKeyOf(Candidacy c) => _settings.Layout.CandidateKey(Role, c.LiveSession.LeaseId);

    private long ServerIdOf(Candidacy c) => c.Session?.ServerId ?? Host.ServerId;

    /// <inheritdoc />
    protected override void PreStart()
    {
        Host.GuardRejected += _onGuardRejected;
        CompileBehaviours();
    }

    /// <summary>
    /// Enters every behaviour once with placeholder data, then the first one again. Akka's ReceiveActor compiles a
    /// behaviour's handler set (an expression tree, cached per process by the set's shape) the first time it is entered:
    /// measured 7.6 ms for Primary, spent on the takeover's clock, and the same for Stopping on a resign's. No message is
    /// handled in between, and a behaviour only registers handlers when entered, so the placeholders are never used.
    /// </summary>
    private void CompileBehaviours()
    {
        var none = Candidacy.None;
        Become(() => Campaigning(new CampaigningState(none)));
        Become(() => Standby(new StandbyState(none, string.Empty, null!, 0)));
        Become(() => Primary(new PrimaryState(none, CoordinatorPhase.Campaigning, false, null!, null!, null!)));
        Become(() => SteppingDown(new SteppingDownState(none)));
        Become(() => Stopping(new StoppingState(none, null, CoordinatorPhase.Campaigning)));
        Become(() => Stopped(new StoppingState(none, null, CoordinatorPhase.Campaigning)));
        var first = (AwaitingSessionState)_state;
        Become(() => AwaitingSession(first));
    }

    /// <summary>
    /// A restart (a handler threw) loses every field, the session included: stop serving first, then ask the session
    /// actor to send the live session again, so the new incarnation campaigns with it instead of waiting forever.
    /// </summary>
    protected override void PreRestart(Exception reason, object message)
    {
        ElectionLog.Failed(Log, Role, ServerIdOf(_state.Candidacy), "actor (restarting)", reason.Message);
        SetHostState(StateCode.StandBy, "coordinator restarting after a failure: " + reason.Message);
        base.PreRestart(reason, message);
    }

    /// <inheritdoc />
    protected override void PostRestart(Exception reason)
    {
        base.PostRestart(reason);
        Context.Parent.Tell(new SubscribeSession(Self), Self);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        Host.GuardRejected -= _onGuardRejected;
        _life.Cancel();
        _life.Dispose();
        _state.Release();
    }

    /// <summary>
    /// Switches behaviour: releases what the old one owned (its watch, a primary's leadership), bumps the generation,
    /// cancels timers, logs one line and becomes <paramref name="behaviour"/> with <paramref name="next"/> as its data.
    /// </summary>
    private void Transition<T>(T next, string why, Action<T> behaviour, bool log = true)
        where T : CoordinatorState
    {
        var from = _state.Phase;
        _state.Release();
        _state = next;
        _generation++;
        Timers.CancelAll();
        if (log)
        {
            LogTransition(from, next.Phase, why, next.Candidacy);
        }
        Become(() => behaviour(next));
    }

    /// <summary>New data for the current behaviour (same phase, same generation, nothing released).</summary>
    private void Stay<T>(T next, Action<T> behaviour)
        where T : CoordinatorState
    {
        _state = next;
        Become(() => behaviour(next));
    }

    private void LogTransition(CoordinatorPhase from, CoordinatorPhase to, string why, Candidacy c)
    {
        ElectionLog.Transition(Log, Role, ServerIdOf(c), c.Term, from, to, why, _time.GetElapsedTime(_triggeredAt).TotalMilliseconds);
        _triggeredAt = _time.GetTimestamp();
    }

    private void Trigger() => _triggeredAt = _time.GetTimestamp();

    /// <summary>Sets the component's state unless it is already stopping (the host owns that state).</summary>
    private void SetHostState(StateCode state, string reason, long? term = null)
    {
        if (Host.State != StateCode.Stopping)
        {
            Host.SetState(state, reason, term);
        }
    }

    /// <summary>
    /// The session is gone; a process that led during it exits when <c>exit-on-session-loss = on</c> (the loss may
    /// arrive after leadership already ended through the candidate key's deletion, so the flag outlives the phase).
    /// </summary>
    private Candidacy OnSessionLost(Candidacy c)
    {
        if (c.LedThisSession && _settings.Options.ExitOnSessionLoss)
        {
            Host.RequestStop(CoordinatorActorSettings.SessionLostExitCode, "a primary lost its session and exit-on-session-loss is on");
        }
        return c.WithoutSession();
    }

    private void OnWarmUpDone(WarmUpDone m)
    {
        _warmUpRunning = false;
        if (m.Error is { } error and not OperationCanceledException)
        {
            ElectionLog.Failed(Log, Role, ServerIdOf(_state.Candidacy), "warm-up", error.Message);
        }
    }

    /// <summary>Handlers every behaviour shares; register them after the behaviour's own.</summary>
    private void Common(CoordinatorState state)
    {
        Receive<SessionEstablished>(m =>
        {
            // A session replaced another without a loss in between (should not happen): start over with it.
            Trigger();
            StartCampaigning(state.Candidacy.WithSession(m.Session), $"session {m.Session.ServerId} established");
        });
        Receive<SessionLost>(m =>
        {
            Trigger();
            Transition(new AwaitingSessionState(OnSessionLost(state.Candidacy)), "session lost: " + m.Reason, AwaitingSession);
        });
        Receive<Resign>(_ => StartStopping(state));
        // A warm-up of an earlier generation finished: another may start.
        Receive<WarmUpDone>(OnWarmUpDone);
        // Results of earlier behaviours and stale timers: expected, dropped.
        ReceiveAny(_ => { });
    }
}
