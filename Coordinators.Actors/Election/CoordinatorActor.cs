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
    private CoordinatorPhase _phase = CoordinatorPhase.AwaitingSession;
    // Bumped on every transition; results of work started in an earlier behaviour carry an older one.
    private int _generation;
    // The live session, or null while there is none.
    private SessionInfo? _session;
    // The own candidate key's CreateRevision once known (the term when leading); 0 before the first campaign.
    private long _term;
    // Cancelled when leadership ends; null when not primary.
    private CancellationTokenSource? _leadership;
    // Cancels the watch of the current behaviour (predecessor or own candidate key).
    private CancellationTokenSource? _watch;
    // Monotonic time the current transition was triggered, for "how long it took".
    private long _triggeredAt;
    // Cancelled when the actor stops (or restarts): ends campaigns and warm-ups still running.
    private readonly CancellationTokenSource _life = new();
    // True while a WarmUp of any generation runs: a slow warm-up is never started twice. Cleared by WarmUpDone.
    private bool _warmUpRunning;
    // True once this process led during the current session: its loss then triggers exit-on-session-loss.
    private bool _ledThisSession;

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
        AwaitingSession();
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
    internal CoordinatorPhase Phase => _phase;

    private ComponentHost Host => _settings.Host;

    private string Role => _settings.Role;

    private string CandidateKey => _settings.Layout.CandidateKey(Role, _session!.LeaseId);

    /// <inheritdoc />
    protected override void PreStart() => Host.GuardRejected += _onGuardRejected;

    /// <summary>
    /// A restart (a handler threw) loses every field, the session included: stop serving first, then ask the session
    /// actor to send the live session again, so the new incarnation campaigns with it instead of waiting forever.
    /// </summary>
    protected override void PreRestart(Exception reason, object message)
    {
        ElectionLog.Failed(Log, Role, _session?.ServerId ?? Host.ServerId, "actor (restarting)", reason.Message);
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
        CancelWatch();
        EndLeadership();
    }

    /// <summary>Switches behaviour: bumps the generation, cancels timers and the watch, logs one line.</summary>
    private void Transition(CoordinatorPhase to, string why, Action behaviour, bool log = true)
    {
        var from = _phase;
        _phase = to;
        _generation++;
        Timers.CancelAll();
        CancelWatch();
        if (log)
        {
            LogTransition(from, to, why);
        }
        Become(behaviour);
    }

    private void LogTransition(CoordinatorPhase from, CoordinatorPhase to, string why)
    {
        ElectionLog.Transition(Log, Role, _session?.ServerId ?? Host.ServerId, _term, from, to, why, _time.GetElapsedTime(_triggeredAt).TotalMilliseconds);
        _triggeredAt = _time.GetTimestamp();
    }

    private void Trigger() => _triggeredAt = _time.GetTimestamp();

    private void CancelWatch()
    {
        if (_watch is { } watch)
        {
            _watch = null;
            watch.Cancel();
            watch.Dispose();
        }
    }

    private CancellationToken NewWatch()
    {
        CancelWatch();
        _watch = new CancellationTokenSource();
        return _watch.Token;
    }

    private void EndLeadership()
    {
        if (_leadership is { } leadership)
        {
            _leadership = null;
            leadership.Cancel();
            leadership.Dispose();
        }
    }

    /// <summary>Sets the component's state unless it is already stopping (the host owns that state).</summary>
    private void SetHostState(StateCode state, string reason, long? term = null)
    {
        if (Host.State != StateCode.Stopping)
        {
            Host.SetState(state, reason, term);
        }
    }

    /// <summary>
    /// Forgets the session; a process that led during it exits when <c>exit-on-session-loss = on</c> (the loss may
    /// arrive after leadership already ended through the candidate key's deletion, so the flag outlives the phase).
    /// </summary>
    private void OnSessionLost()
    {
        _session = null;
        if (_ledThisSession && _settings.Options.ExitOnSessionLoss)
        {
            Host.RequestStop(CoordinatorActorSettings.SessionLostExitCode, "a primary lost its session and exit-on-session-loss is on");
        }
        _ledThisSession = false;
    }

    private void OnWarmUpDone(WarmUpDone m)
    {
        _warmUpRunning = false;
        if (m.Error is { } error and not OperationCanceledException)
        {
            ElectionLog.Failed(Log, Role, _session?.ServerId ?? Host.ServerId, "warm-up", error.Message);
        }
    }

    /// <summary>Handlers every behaviour shares; register them after the behaviour's own.</summary>
    private void Common()
    {
        Receive<SessionEstablished>(m =>
        {
            // A session replaced another without a loss in between (should not happen): start over with it.
            Trigger();
            _session = m.Session;
            _term = 0;
            StartCampaigning($"session {m.Session.ServerId} established");
        });
        Receive<SessionLost>(m =>
        {
            Trigger();
            OnSessionLost();
            _term = 0;
            Transition(CoordinatorPhase.AwaitingSession, "session lost: " + m.Reason, AwaitingSession);
        });
        Receive<Resign>(_ => StartStopping());
        // A warm-up of an earlier generation finished: another may start.
        Receive<WarmUpDone>(OnWarmUpDone);
        // Results of earlier behaviours and stale timers: expected, dropped.
        ReceiveAny(_ => { });
    }
}
