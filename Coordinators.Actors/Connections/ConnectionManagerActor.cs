using Coordinators.Actors.Connections.Internal;
using Coordinators.Actors.Etcd;
using Akka;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Connections;

/// <summary>
/// Discovers dependencies in etcd and keeps one <see cref="ClientActor"/> child per discovered session (MEP 2).
/// For each dependency it Ranges the sessions, applies the result, then Watches from the Range's revision + 1, so
/// no event is lost or seen twice. Node roles follow <c>{root}/session/{role}-*</c>; coordinator roles follow the
/// active key <c>{root}/session/{role}</c>, so a failover re-points the client as soon as the new primary publishes.
/// An Add event starts (or restarts) a child; a Del event stops it, aborting its calls in flight.
/// </summary>
internal sealed class ConnectionManagerActor : ReceiveActor, IWithTimers
{
    // First and longest pause before a failed dependency watch is started again (a PermissionDenied would otherwise
    // re-range at round-trip speed forever).
    internal static readonly TimeSpan MinWatchBackoff = TimeSpan.FromMilliseconds(100);
    internal static readonly TimeSpan MaxWatchBackoff = TimeSpan.FromSeconds(5);

    private readonly EtcdClient _etcd;
    private readonly ConnectionManagerOptions _options;
    private readonly ClientRegistry _registry;
    private readonly IComponentClientFactory _factory;
    // Dependencies by id; an id is never reused, so a message from a replaced watch is recognised and dropped.
    private readonly Dictionary<int, Dependency> _dependencies = [];
    // The child following each session key, with the session it was started for.
    private readonly Dictionary<string, (IActorRef Actor, SessionInfo Session, int DependencyId)> _children = new(StringComparer.Ordinal);
    private int _nextDependencyId;
    private long _nextChildId;

    public ConnectionManagerActor(EtcdClient etcd, ConnectionManagerOptions options, ClientRegistry registry, IComponentClientFactory factory)
    {
        _etcd = etcd;
        _options = options;
        _registry = registry;
        _factory = factory;
        Log = options.LoggerFactory.CreateLogger<ConnectionManagerActor>();
        _clientLog = options.LoggerFactory.CreateLogger<ClientActor>();
        Receive<AddDependency>(OnAddDependency);
        Receive<DependencySnapshot>(m => _dependencies.ContainsKey(m.DependencyId), OnSnapshot);
        // An event from the watch shows it works again: the next failure starts the backoff from its minimum.
        Receive<SessionPut>(m => _dependencies.ContainsKey(m.DependencyId), m =>
        {
            _dependencies[m.DependencyId].WatchFailures = 0;
            _ = OnPut(m.DependencyId, m.Key, m.Value);
        });
        Receive<SessionDeleted>(m => _dependencies.ContainsKey(m.DependencyId), m =>
        {
            _dependencies[m.DependencyId].WatchFailures = 0;
            OnDeleted(m.Key, "session deleted");
        });
        Receive<DependencyWatchFailed>(m => _dependencies.ContainsKey(m.DependencyId), OnWatchFailed);
        Receive<RestartDependencyWatch>(m => _dependencies.ContainsKey(m.DependencyId), m => StartWatch(_dependencies[m.DependencyId]));
        Receive<ClientStarted>(_ => OnChildSettled(Sender));
        Receive<Terminated>(t => OnChildSettled(t.ActorRef));
        Receive<Reresolve>(OnReresolve);
        Receive<ReresolveResult>(OnReresolveResult);
        Receive<ReresolveFailed>(OnReresolveFailed);
        ReceiveAny(_ => { });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    // Our structured log (event ids in ConnectionsLog); the children's logger is made once and shared.
    private ILogger Log { get; }

    private readonly ILogger _clientLog;

    /// <summary>A child that throws is restarted (it reconnects from scratch) at most 3 times a minute, then stopped.</summary>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(3, TimeSpan.FromMinutes(1), _ => Directive.Restart);

    protected override void PostStop()
    {
        foreach (var d in _dependencies.Values)
        {
            d.Cancel();
        }
    }

    private void OnAddDependency(AddDependency m)
    {
        var scope = m.Scope == DependencyScope.Default && !Roles.IsCoordinator(m.Role) ? DependencyScope.AllSessions : m.Scope;
        var existing = _dependencies.Values.FirstOrDefault(d => d.Role == m.Role && d.Scope == scope);
        if (existing is not null)
        {
            if (existing.Ready)
            {
                Sender.Tell(Done.Instance);
            }
            else
            {
                existing.Waiters.Add(Sender);
            }
            return;
        }
        var layout = _options.Layout;
        var dependency = scope == DependencyScope.AllSessions
            ? new Dependency(++_nextDependencyId, m.Role, scope, layout.RoleSessionsPrefix(m.Role), Prefix: true)
            : new Dependency(++_nextDependencyId, m.Role, scope, layout.ActiveKey(m.Role), Prefix: false);
        dependency.Waiters.Add(Sender);
        _dependencies[dependency.Id] = dependency;
        StartWatch(dependency);
    }

    private void StartWatch(Dependency d)
    {
        var token = d.Restart();
        var self = Self;
        WatchAsync(_etcd, d.Id, d.Key, d.Prefix, self, token).PipeTo(self, success: () => Done.Instance, failure: e => new DependencyWatchFailed(d.Id, e));
    }

    /// <summary>Range, report the snapshot, then watch from its revision + 1; runs off the actor and only sends messages.</summary>
    private static async Task WatchAsync(EtcdClient etcd, int id, string key, bool prefix, IActorRef self, CancellationToken cancellationToken)
    {
        var range = prefix ? await etcd.GetPrefixAsync(key, cancellationToken: cancellationToken)
            : await etcd.GetAsync(key, cancellationToken: cancellationToken);
        var sessions = range.Kvs.Select(kv => KeyValuePair.Create(kv.Key.ToStringUtf8(), kv.Value.ToStringUtf8())).ToList();
        var revision = range.Header.Revision;
        self.Tell(new DependencySnapshot(id, sessions, revision));
        var options = new WatchOptions { Prefix = prefix, StartRevision = revision + 1 };
        await foreach (var response in etcd.Watch(key, options, cancellationToken))
        {
            foreach (var e in response.Events)
            {
                var k = e.Kv.Key.ToStringUtf8();
                self.Tell(e.Type == Mvccpb.Event.Types.EventType.Put
                    ? new SessionPut(id, k, e.Kv.Value.ToStringUtf8(), e.Kv.ModRevision)
                    : new SessionDeleted(id, k, e.Kv.ModRevision));
            }
        }
    }

    private void OnSnapshot(DependencySnapshot m)
    {
        var d = _dependencies[m.DependencyId];
        var present = m.Sessions.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        // After a re-Range (watch failure), sessions that vanished meanwhile are Del events.
        foreach (var gone in _children.Where(c => c.Value.DependencyId == d.Id && !present.Contains(c.Key)).Select(c => c.Key).ToList())
        {
            OnDeleted(gone, "session gone after re-reading etcd");
        }
        foreach (var (key, value) in m.Sessions)
        {
            if (OnPut(d.Id, key, value) is { } child)
            {
                d.Pending.Add(child);
            }
        }
        d.SnapshotApplied = true;
        TryAnswer(d);
    }

    private void OnChildSettled(IActorRef child)
    {
        foreach (var d in _dependencies.Values)
        {
            if (d.Pending.Remove(child))
            {
                TryAnswer(d);
            }
        }
    }

    /// <summary>AddDependency answers once the snapshot's clients have all published a handle.</summary>
    private static void TryAnswer(Dependency d)
    {
        if (d.Ready || !d.SnapshotApplied || d.Pending.Count > 0)
        {
            return;
        }
        d.Ready = true;
        foreach (var waiter in d.Waiters)
        {
            waiter.Tell(Done.Instance);
        }
        d.Waiters.Clear();
    }

    private IActorRef? OnPut(int dependencyId, string key, string value)
    {
        if (!SessionInfo.TryParse(value, out var session, out var error))
        {
            ConnectionsLog.MalformedSession(Log, key, error);
            return null;
        }
        var role = _dependencies[dependencyId].Role;
        if (_children.TryGetValue(key, out var child))
        {
            if (child.Session.ServerId == session!.ServerId && child.Session.Address == session.Address)
            {
                _children[key] = child with { Session = session };
                child.Actor.Tell(new SessionReadded(session), Self);
                return null;
            }
            // Another process now owns the key (a new primary, or a restart): the old client must never be used again.
            child.Actor.Tell(new SessionGone($"server {child.Session.ServerId} replaced by server {session.ServerId}"), Self);
            _children.Remove(key);
        }
        var props = Props.Create(() => new ClientActor(key, role, session!, _factory, _options.Connect, _options.HealthCheck, _registry, _options.TimeProvider, _clientLog));
        var actor = Context.ActorOf(props, $"client-{session!.ServerId}-{++_nextChildId}");
        Context.Watch(actor);
        _children[key] = (actor, session, dependencyId);
        return actor;
    }

    private void OnDeleted(string key, string reason)
    {
        if (_children.Remove(key, out var child))
        {
            ConnectionsLog.SessionLeft(Log, key, child.Session.ServerId);
            child.Actor.Tell(new SessionGone($"server {child.Session.ServerId} left: {reason}"), Self);
        }
    }

    private void OnWatchFailed(DependencyWatchFailed m)
    {
        var d = _dependencies[m.DependencyId];
        d.WatchFailures++;
        var delay = Backoff.Delay(d.WatchFailures - 1, MinWatchBackoff, MaxWatchBackoff, 0.2, Random.Shared.NextDouble());
        ConnectionsLog.WatchFailed(Log, d.Role, $"{m.Error.Message} (failure {d.WatchFailures}; again in {delay.TotalMilliseconds:0} ms)");
        // Range again and reconcile after the backoff; a compacted or broken watch never leaves a stale client behind.
        Timers.StartSingleTimer(("watch", d.Id), new RestartDependencyWatch(d.Id), delay);
    }

    private void OnReresolve(Reresolve m)
    {
        if (!_children.TryGetValue(m.Key, out var child) || child.Session.ServerId != m.ServerId)
        {
            return;
        }
        ConnectionsLog.Reresolving(Log, m.Key, m.ServerId);
        _etcd.GetAsync(m.Key).PipeTo(Self,
            success: r => new ReresolveResult(m.Key, m.ServerId, r.Kvs.Count == 0 ? null : r.Kvs[0].Value.ToStringUtf8()),
            failure: e => new ReresolveFailed(m.Key, m.ServerId, e));
    }

    private void OnReresolveFailed(ReresolveFailed m)
    {
        if (!_children.TryGetValue(m.Key, out var child) || child.Session.ServerId != m.ServerId)
        {
            return;
        }
        // The address answered for another process, and etcd cannot say what the key names now: stop using this client
        // (calls fail fast) with both facts; the watch's next event for the key decides what comes next.
        var reason = $"node not match at {child.Session.Address}, and re-reading {m.Key} failed: {m.Error.Message}";
        ConnectionsLog.ReresolveFailed(Log, m.Key, m.ServerId, m.Error.Message);
        child.Actor.Tell(new MarkStale(reason), Self);
    }

    private void OnReresolveResult(ReresolveResult m)
    {
        if (!_children.TryGetValue(m.Key, out var child) || child.Session.ServerId != m.ServerId)
        {
            return;
        }
        if (m.Value is null)
        {
            OnDeleted(m.Key, "session gone on re-read");
        }
        else if (SessionInfo.TryParse(m.Value, out var session, out _) && session!.ServerId != m.ServerId)
        {
            _ = OnPut(child.DependencyId, m.Key, m.Value);
        }
        else
        {
            // The key still names the old process (its lease has not expired yet) but its address answers for another.
            child.Actor.Tell(new MarkStale($"node not match: {child.Session.Address} no longer serves server {m.ServerId}"), Self);
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Cancel() disposes the source; the actor calls it in PostStop.")]
    private sealed record Dependency(int Id, string Role, DependencyScope Scope, string Key, bool Prefix)
    {
        private CancellationTokenSource? _watch;

        public bool Ready { get; set; }

        public bool SnapshotApplied { get; set; }

        // Watch failures since the last snapshot, for the backoff.
        public int WatchFailures { get; set; }

        // Children of the first snapshot that have not yet published their first handle.
        public HashSet<IActorRef> Pending { get; } = [];

        public List<IActorRef> Waiters { get; } = [];

        public CancellationToken Restart()
        {
            Cancel();
            _watch = new CancellationTokenSource();
            return _watch.Token;
        }

        public void Cancel()
        {
            _watch?.Cancel();
            _watch?.Dispose();
            _watch = null;
        }
    }
}
