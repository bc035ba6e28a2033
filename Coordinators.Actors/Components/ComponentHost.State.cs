using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Components;

/// <summary>The observable state of the component: snapshots, session, term and the lease guard.</summary>
public sealed partial class ComponentHost
{
    // Guards _snapshot, _watchers and _leaseId.
    private readonly Lock _stateLock = new();
    // One unbounded channel per WatchStates caller; each sees every snapshot published after it subscribed.
    private readonly List<Channel<ComponentStateSnapshot>> _watchers = [];
    // The current snapshot; replaced whole, never mutated.
    private ComponentStateSnapshot _snapshot;
    // The lease of the current session; 0 while there is none.
    private long _leaseId;
    private bool _watchersCompleted;

    /// <summary>Raised after every state change, on the thread that made it; keep handlers short.</summary>
    public event Action<ComponentStateSnapshot>? StateChanged;

    /// <summary>
    /// Raised when a request was refused because the <see cref="Guard"/> expired while the component was
    /// Healthy (a resumed, paused primary): the coordinator must stop serving.
    /// </summary>
    public event Action? GuardRejected;

    /// <summary>The current state.</summary>
    public ComponentStateSnapshot Snapshot
    {
        get
        {
            lock (_stateLock)
            {
                return _snapshot;
            }
        }
    }

    /// <summary>The current state code.</summary>
    public StateCode State => Snapshot.State;

    /// <summary>The ServerID of the current session; 0 while there is none.</summary>
    public long ServerId => Snapshot.ServerId;

    /// <summary>The lease of the current session; 0 while there is none.</summary>
    public long LeaseId
    {
        get
        {
            lock (_stateLock)
            {
                return _leaseId;
            }
        }
    }

    /// <summary>
    /// The lease guard a coordinator checks on every request it serves while Healthy; null for nodes.
    /// Set by the session before the component starts serving.
    /// </summary>
    public LeaseGuard? Guard { get; set; }

    /// <summary>Changes the state code (and the term when given); no-op when nothing changes.</summary>
    public void SetState(StateCode state, string reason, long? term = null) =>
        Update(s => s with { State = state, Term = term ?? (state == StateCode.Healthy ? s.Term : 0) }, reason);

    /// <summary>Publishes the current session (after a new one was registered) or its loss (<paramref name="serverId"/> 0).</summary>
    public void SetSession(long serverId, long leaseId, string reason)
    {
        lock (_stateLock)
        {
            _leaseId = leaseId;
        }
        Update(s => s with { ServerId = serverId }, reason);
    }

    /// <summary>Publishes the gRPC server's address once it listens.</summary>
    public void SetAddress(string address) => Update(s => s with { Address = address }, "listening on " + address);

    /// <summary>
    /// The current snapshot, then every later one, until the component stops or <paramref name="cancellationToken"/>
    /// fires. Each snapshot is immutable and carries an increasing <see cref="ComponentStateSnapshot.Version"/>.
    /// </summary>
    public async IAsyncEnumerable<ComponentStateSnapshot> WatchStates([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<ComponentStateSnapshot>(new UnboundedChannelOptions { SingleReader = true });
        lock (_stateLock)
        {
            channel.Writer.TryWrite(_snapshot);
            if (_watchersCompleted)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                _watchers.Add(channel);
            }
        }
        try
        {
            await foreach (var snapshot in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return snapshot;
            }
        }
        finally
        {
            lock (_stateLock)
            {
                _watchers.Remove(channel);
            }
        }
    }

    /// <summary>Called by the interceptor when the guard refused a request of a Healthy component.</summary>
    internal void OnGuardRejected() => GuardRejected?.Invoke();

    /// <summary>
    /// The one check every served call passes, over gRPC (the interceptor) and in-process (standalone): the component
    /// must be Healthy, and a coordinator's lease guard must still vouch for the lease — a refusal by the guard is
    /// reported (<see cref="GuardRejected"/>) so the coordinator steps down. Throws Unavailable naming why.
    /// </summary>
    public ComponentStateSnapshot EnsureServing()
    {
        var s = Snapshot;
        if (s.State != StateCode.Healthy)
        {
            throw Transport.RpcErrors.Create(Grpc.Core.StatusCode.Unavailable, $"{s.Role} (server {s.ServerId}) is {s.State}");
        }
        if (Guard is { IsValid: false })
        {
            OnGuardRejected();
            throw Transport.RpcErrors.Create(Grpc.Core.StatusCode.Unavailable, $"{s.Role} (server {s.ServerId}) lease guard expired; it no longer serves as primary");
        }
        return s;
    }

    private void Update(Func<ComponentStateSnapshot, ComponentStateSnapshot> change, string reason)
    {
        ComponentStateSnapshot before, after;
        lock (_stateLock)
        {
            before = _snapshot;
            var changed = change(before);
            if (changed == before with { Reason = changed.Reason, Version = changed.Version })
            {
                return;
            }
            after = _snapshot = changed with { Version = before.Version + 1, Reason = reason };
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(after);
            }
        }
        if (before.State != after.State)
        {
            PublishHealth(after.State);
            ComponentLog.StateChanged(_logger, Role, after.ServerId, before.State, after.State, after.Term, reason);
        }
        StateChanged?.Invoke(after);
    }

    private void CompleteWatchers()
    {
        lock (_stateLock)
        {
            _watchersCompleted = true;
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }
        }
    }

    /// <summary>
    /// grpc.health.v1: "" is SERVING while the process runs (until Stopping); the role's name and coordinators.Component
    /// are SERVING only while Healthy, so a standard probe tells a primary from a standby.
    /// </summary>
    private void PublishHealth(StateCode state)
    {
        var healthy = state == StateCode.Healthy
            ? HealthCheckResponse.Types.ServingStatus.Serving
            : HealthCheckResponse.Types.ServingStatus.NotServing;
        Health.SetStatus(string.Empty, state == StateCode.Stopping
            ? HealthCheckResponse.Types.ServingStatus.NotServing
            : HealthCheckResponse.Types.ServingStatus.Serving);
        Health.SetStatus(Role, healthy);
        Health.SetStatus(ComponentMethods.ServiceName, healthy);
    }
}
