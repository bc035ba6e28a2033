using Coordinators.Actors.Etcd;
using Coordinators.Actors.Components;
using Akka;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Sessions;

/// <summary>
/// One per process: keeps an etcd session (ServerID, lease, keep-alive every TTL/10, session key attached to the
/// lease), records acknowledged keep-alives in the <see cref="LeaseGuard"/>, detects the session's loss
/// (TTL &lt;= 0, keep-alive stream failing past its budget, no acknowledgement for a TTL, own key deleted), tells
/// its children and subscribers <see cref="SessionLost"/> and builds a new session (new lease, new ServerID) with
/// backoff. <see cref="ShutdownSession"/> makes the children resign and revokes the lease. It supervises the
/// coordinator actors given in <see cref="SessionActorSettings.Children"/>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Actors are not disposed; PostStop cancels and disposes the source.")]
public sealed partial class SessionActor : ReceiveActor, IWithTimers
{
    private const string AckTimerKey = "ack-deadline";
    private const string BuildTimerKey = "build";
    // Attempts to revoke a lease given up locally: with backoff up to 1 s and 1 s per attempt, about half a minute.
    private const int AbandonedRevokeAttempts = 20;

    private readonly SessionActorSettings _settings;
    // The session's keys and lease (etcd in production).
    private readonly ISessionStore _store;
    private readonly TimeProvider _time;
    // Cancelled when the actor stops: ends keep-alives, watches and builds still running.
    private readonly CancellationTokenSource _life = new();
    private readonly List<IActorRef> _children = [];
    private readonly List<IActorRef> _subscribers = [];
    // The generation of the session being built or live; messages of other generations are stale. Read by pumps.
    private readonly GenerationBox _generation = new();
    // The live session; null while one is being built.
    private LiveSession? _live;
    // Failed build attempts in a row, for the backoff.
    private int _attempt;
    // Monotonic time the current build started, for the log.
    private long _buildStarted;
    private bool _stopping;

    /// <summary>Creates the actor; use <see cref="Props(SessionActorSettings)"/> (Akka needs the constructor public).</summary>
    public SessionActor(SessionActorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        Log = settings.Host.LoggerFactory.CreateLogger<SessionActor>();
        _store = settings.Store ?? new EtcdSessionStore(settings.Etcd);
        _time = _store.Time;
        Receive<EstablishSession>(m => m.Generation == _generation.Value && !_stopping, _ => StartBuild());
        Receive<SessionBuilt>(OnBuilt);
        Receive<SessionBuildFailed>(m => m.Generation == _generation.Value && !_stopping, OnBuildFailed);
        Receive<LeaseEnded>(m => IsCurrent(m.Generation), m => Lose("keep-alive ended: " + m.Reason));
        Receive<AckDeadline>(m => IsCurrent(m.Generation), _ => OnAckDeadline());
        Receive<OwnKeyDeleted>(m => IsCurrent(m.Generation), _ => Lose("own session key was deleted"));
        Receive<OwnKeyWatchFailed>(m => IsCurrent(m.Generation), m => Lose("watch of own session key failed: " + m.Error.Message));
        Receive<SubscribeSession>(OnSubscribe);
        Receive<GetSession>(_ => Sender.Tell(new CurrentSession(_live?.Session), Self));
        Receive<ShutdownSession>(OnShutdown);
        Receive<Done>(_ => IsResigning(Sender), _ => OnChildResigned(Sender));
        Receive<ResignTimedOut>(_ => OnResignTimedOut());
        Receive<SessionClosed>(OnSessionClosed);
        Receive<Terminated>(t => _subscribers.Remove(t.ActorRef));
        // Stale generations and leftovers are expected after a loss; drop them quietly.
        Receive<SessionBuildFailed>(_ => { });
        Receive<LeaseEnded>(_ => { });
        Receive<AckDeadline>(_ => { });
        Receive<OwnKeyDeleted>(_ => { });
        Receive<OwnKeyWatchFailed>(_ => { });
        Receive<EstablishSession>(_ => { });
        // The end of a released or abandoned lease's revoke.
        Receive<Done>(_ => { });
    }

    /// <summary>Props of a session actor.</summary>
    public static Props Props(SessionActorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Akka.Actor.Props.Create(() => new SessionActor(settings));
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private ILogger Log { get; }

    private ComponentHost Host => _settings.Host;

    /// <inheritdoc />
    protected override void PreStart()
    {
        foreach (var (name, props) in _settings.Children)
        {
            _children.Add(Context.ActorOf(props, name));
        }
        Self.Tell(new EstablishSession(_generation.Value));
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        // Ends the keep-alive and the watch; the lease then expires by itself unless ShutdownSession revoked it.
        _life.Cancel();
        _life.Dispose();
    }

    private bool IsCurrent(int generation) => generation == _generation.Value && _live is not null && !_stopping;

    private void StartBuild()
    {
        _buildStarted = _time.GetTimestamp();
        var generation = _generation.Value;
        SessionBuilder.BuildAsync(generation, _settings, _store, _life.Token)
            .PipeTo(Self, failure: e => new SessionBuildFailed(generation, e));
    }

    private void OnBuilt(SessionBuilt built)
    {
        if (built.Generation != _generation.Value || _stopping)
        {
            // Built for a session we no longer want: let it go.
            CloseAsync(built.KeepAlive, built.Session.LeaseId).PipeTo(Self, success: () => Done.Instance, failure: _ => Done.Instance);
            return;
        }
        _attempt = 0;
        var generation = built.Generation;
        var session = built.Session;
        var watchCts = CancellationTokenSource.CreateLinkedTokenSource(_life.Token);
        var key = _settings.Layout.SessionKey(session.Role, session.ServerId);
        var acks = new AckClock(_time.GetTimestamp());
        var keepAlivePump = PumpKeepAliveAsync(built.KeepAlive, generation, Self, _settings, _time, _generation, acks);
        var watchPump = PumpOwnKeyAsync(_store, session, key, built.Revision, generation, Self, _settings, Log, watchCts.Token);
        _live = new LiveSession(session, built.Revision, built.KeepAlive, watchCts, Task.WhenAll(keepAlivePump, watchPump), acks);
        Timers.StartSingleTimer(AckTimerKey, new AckDeadline(generation), _settings.Options.Session.Ttl);
        SessionLog.Established(Log, session.Role, session.ServerId, session.LeaseId, _settings.Options.Session.Ttl.TotalSeconds, _time.GetElapsedTime(_buildStarted).TotalMilliseconds);
        Host.SetSession(session.ServerId, session.LeaseId, $"session {session.ServerId} registered");
        if (!Roles.IsCoordinator(session.Role) && Host.State == StateCode.Abnormal)
        {
            Host.SetState(StateCode.Healthy, "session re-established");
        }
        Broadcast(new SessionEstablished(session, built.Revision));
    }

    /// <summary>The TTL since the last acknowledgement has passed: the session is lost; otherwise wait for the rest of it.</summary>
    private void OnAckDeadline()
    {
        var ttl = _settings.Options.Session.Ttl;
        var since = _time.GetElapsedTime(_live!.Acks.Last);
        if (since >= ttl)
        {
            Lose($"no keep-alive acknowledgement for {ttl.TotalSeconds:0.#}s");
            return;
        }
        Timers.StartSingleTimer(AckTimerKey, new AckDeadline(_generation.Value), ttl - since);
    }

    private void OnBuildFailed(SessionBuildFailed failed)
    {
        _attempt++;
        var delay = Backoff.Delay(_attempt, _settings.MinBackoff, _settings.MaxBackoff, 0.2, _settings.Random.NextDouble());
        SessionLog.BuildFailed(Log, _settings.Role, _attempt, failed.Error.Message, delay.TotalMilliseconds);
        Timers.StartSingleTimer(BuildTimerKey, new EstablishSession(_generation.Value), delay);
    }

    private void Lose(string reason)
    {
        var live = _live!;
        _live = null;
        _generation.Value++;
        _settings.Guard.Reset();
        Timers.Cancel(AckTimerKey);
        var session = live.Session;
        SessionLog.Lost(Log, session.Role, session.ServerId, session.LeaseId, reason);
        Telemetry.SessionLosses.Add(1, Telemetry.RoleTag(session.Role));
        Host.SetSession(0, 0, "session lost: " + reason);
        if (!Roles.IsCoordinator(session.Role) && Host.State == StateCode.Healthy)
        {
            Host.SetState(StateCode.Abnormal, "session lost: " + reason);
        }
        Broadcast(new SessionLost(session.ServerId, session.LeaseId, reason));
        // Revoke too, until etcd answers: the lease may still hold the candidate key (only our key vanished, or etcd
        // extended the lease when it elected a new leader), and the next candidates would queue behind it.
        AbandonAsync(live).PipeTo(Self, success: () => Done.Instance, failure: _ => Done.Instance);
        Timers.StartSingleTimer(BuildTimerKey, new EstablishSession(_generation.Value), _settings.MinBackoff);
    }

    /// <summary>
    /// A child that threw is restarted (at most 3 times a minute, then stopped); on restart it asks for the session
    /// again (<see cref="SubscribeSession"/>), so it never sits without one.
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(3, TimeSpan.FromMinutes(1), _ => Directive.Restart);

    private void OnSubscribe(SubscribeSession subscribe)
    {
        // A restarted child re-syncs this way; it already gets every broadcast as a child.
        if (!_children.Contains(subscribe.Subscriber))
        {
            _subscribers.Add(subscribe.Subscriber);
            Context.Watch(subscribe.Subscriber);
        }
        if (_live is { } live)
        {
            subscribe.Subscriber.Tell(new SessionEstablished(live.Session, live.Revision), Self);
        }
    }

    private void Broadcast(object message)
    {
        foreach (var child in _children)
        {
            child.Tell(message, Self);
        }
        foreach (var subscriber in _subscribers)
        {
            subscriber.Tell(message, Self);
        }
    }

    private async Task CloseLiveAsync(LiveSession live)
    {
        // Revoke first: the keys go at once, and the keep-alive then reports Revoked, which is ignored.
        await SessionBuilder.RevokeQuietlyAsync(_store, live.Session.LeaseId);
        // Cancel, not CancelAsync: CancelAsync runs the watch's callbacks on the thread pool, outside any scheduler of ours.
        live.WatchCts.Cancel();
        await live.KeepAlive.DisposeAsync();
        await live.Pumps;
        live.WatchCts.Dispose();
    }

    private async Task AbandonAsync(LiveSession live)
    {
        var life = _life.Token; // read on the actor thread: PostStop disposes the source
        // Stop renewing first (a keep-alive that recovers must not renew what is being revoked), then revoke.
        live.WatchCts.Cancel();
        await live.KeepAlive.DisposeAsync();
        await live.Pumps;
        live.WatchCts.Dispose();
        await SessionBuilder.RevokeAbandonedAsync(_store, live.Session.LeaseId, Log, live.Session.Role, live.Session.ServerId,
            AbandonedRevokeAttempts, TimeSpan.FromSeconds(1), _settings.Random, life);
    }

    private async Task CloseAsync(ISessionKeepAlive keepAlive, long leaseId)
    {
        await SessionBuilder.RevokeQuietlyAsync(_store, leaseId);
        await keepAlive.DisposeAsync();
    }

    private sealed record LiveSession(SessionInfo Session, long Revision, ISessionKeepAlive KeepAlive, CancellationTokenSource WatchCts, Task Pumps, AckClock Acks);

    /// <summary>
    /// When the live session's keep-alive was last acknowledged (monotonic), written by its pump: the deadline timer
    /// reads it instead of being re-armed by a message per acknowledgement.
    /// </summary>
    private sealed class AckClock(long start)
    {
        private long _last = start;

        public long Last => Volatile.Read(ref _last);

        public void Acknowledged(long at) => Volatile.Write(ref _last, at);
    }

    /// <summary>The current generation, shared with the pumps so a stale pump cannot refresh the guard.</summary>
    private sealed class GenerationBox
    {
        private int _value;

        public int Value
        {
            get => Volatile.Read(ref _value);
            set => Volatile.Write(ref _value, value);
        }
    }
}
