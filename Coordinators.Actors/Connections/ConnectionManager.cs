using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Coordinators.Actors.Connections.Internal;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Transport;
using Grpc.Core;
using Akka;
using Akka.Actor;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Connections;

/// <summary>
/// MEP 2's ConnectionManager for code outside actors. <see cref="AddDependencyAsync"/> makes the manager actor
/// discover a role's sessions in etcd and keep one ClientActor per session connected in the background; reads
/// (<see cref="GetClients"/>, <see cref="IsOnline(long)"/>) and calls (<see cref="ForRole"/>,
/// <see cref="ForServer"/>) go straight to the lock-free <see cref="ClientRegistry"/> the actors publish into,
/// never through a mailbox.
/// </summary>
/// <example>
/// <code>
/// await using var connections = new ConnectionManager(etcd, ConnectionManagerOptions.From(options));
/// await connections.AddDependencyAsync(Roles.RootCoord);
/// var reply = await connections.ForRole(Roles.RootCoord, waitForPrimary: true).PingAsync(new PingRequest());
/// </code>
/// </example>
public sealed class ConnectionManager : IAsyncDisposable
{
    private static int s_managers;
    // The system the manager's actor lives in; terminated at dispose only when the manager made it (_ownsSystem).
    // An own system is made on first use (AddDependencyAsync): a process that never adds a dependency (a worker node)
    // does not pay for an actor system's cold start.
    private readonly Lazy<(ActorSystem System, IActorRef Actor)> _started;
    private readonly bool _ownsSystem;
    private readonly GrpcComponentClientFactory? _ownedFactory;
    // Routed clients are stateless apart from their round-robin cursor: one per target is enough.
    private readonly ConcurrentDictionary<(string? Role, long ServerId, bool Wait), RoutedComponentClient> _routed = new();
    // Calls currently waiting for a coordinator primary (bounded by Options.MaxPrimaryWaiters).
    private int _primaryWaiters;
    private int _disposed;
    // Reports the registry's clients in the clients gauge until disposed.
    private readonly IDisposable _telemetry;

    /// <summary>Creates a manager reading sessions through <paramref name="etcd"/>; it runs its own small actor system.</summary>
    public ConnectionManager(EtcdClient etcd, ConnectionManagerOptions? options = null)
        : this(etcd, options, null)
    {
    }

    /// <summary>
    /// Creates a manager whose actors run in <paramref name="system"/> (a process's own actor system, or a test's with
    /// Akka's TestScheduler); the system is not terminated by <see cref="DisposeAsync"/>, only the manager's actors
    /// stopped. With <paramref name="system"/> null the manager runs its own small actor system.
    /// </summary>
    public ConnectionManager(EtcdClient etcd, ConnectionManagerOptions? options, ActorSystem? system)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        Options = options ?? new ConnectionManagerOptions();
        var factory = Options.ClientFactory;
        if (factory is null)
        {
            var grpc = new GrpcComponentClientFactory();
            _ownedFactory = grpc;
            factory = grpc;
        }
        _ownsSystem = system is null;
        _started = new Lazy<(ActorSystem, IActorRef)>(() =>
        {
            var actors = system ?? Runtime.ActorSystemHost.CreateStandalone("connections", Options.LoggerFactory);
            var name = _ownsSystem ? "connection-manager" : $"connection-manager-{Interlocked.Increment(ref s_managers)}";
            return (actors, actors.ActorOf(Props.Create(() => new ConnectionManagerActor(etcd, Options, Registry, factory)), name));
        }, LazyThreadSafetyMode.ExecutionAndPublication);
        _telemetry = Telemetry.TrackClients(Registry.CountByRoleAndState);
    }

    /// <summary>The options the manager was made with.</summary>
    public ConnectionManagerOptions Options { get; }

    /// <summary>Where every client handle is published; read it for anything the helpers below do not cover.</summary>
    public ClientRegistry Registry { get; } = new();

    /// <summary>
    /// Follows <paramref name="role"/>'s sessions: node roles (and <see cref="DependencyScope.AllSessions"/>) every
    /// <c>{role}-*</c> session, coordinator roles the active primary. Completes once the current sessions are known
    /// and their clients are connecting (not connected). Adding the same dependency twice is harmless.
    /// </summary>
    public async Task AddDependencyAsync(string role, DependencyScope scope = DependencyScope.Default, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(role);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await _started.Value.Actor.Ask<Done>(new AddDependency(role, scope), TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The Online clients of <paramref name="role"/>, in ServerID order.</summary>
    public IReadOnlyList<ClientHandle> GetClients(string role) => Registry.Online(role);

    /// <summary>Every discovered client of <paramref name="role"/> whatever its state (Connecting, Online, Offline).</summary>
    public IReadOnlyList<ClientHandle> GetAllClients(string role) => Registry.All(role);

    /// <summary>True when a client of server <paramref name="serverId"/> is Online.</summary>
    public bool IsOnline(long serverId) => Registry.ByServerId(serverId) is { IsOnline: true };

    /// <summary>True when <paramref name="role"/> has an Online client (for a coordinator role followed by default: its primary).</summary>
    public bool IsOnline(string role) => !Registry.Online(role).IsEmpty;

    /// <summary>
    /// Online/Offline events of <paramref name="role"/>'s clients: first an Online event for each client already
    /// online, then every change in order, until <paramref name="cancellationToken"/> is cancelled or the manager stops.
    /// </summary>
    public async IAsyncEnumerable<ClientEvent> WatchClients(string role, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reader = Registry.Subscribe(role, out var unsubscribe);
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var e))
                {
                    yield return e;
                }
            }
        }
        finally
        {
            unsubscribe();
        }
    }

    /// <summary>Completes when <paramref name="role"/> has at least <paramref name="count"/> Online clients.</summary>
    public async Task<IReadOnlyList<ClientHandle>> WaitForClientsAsync(string role, int count, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var change = Registry.NextChange(role);
            var online = Registry.Online(role);
            if (online.Length >= count)
            {
                return online;
            }
            await change.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A client of <paramref name="role"/> under the call policy: a coordinator role's calls go to its primary, a node
    /// role's round-robin over its Online clients. With <paramref name="waitForPrimary"/> (coordinator roles) a call made
    /// while no primary is online waits for the next one within its deadline instead of failing fast.
    /// </summary>
    public RoutedComponentClient ForRole(string role, bool waitForPrimary = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(role);
        return _routed.GetOrAdd((role, 0, waitForPrimary), k => new RoutedComponentClient(this, k.Role, 0, k.Wait));
    }

    /// <summary>A client of one process under the call policy; it fails fast while that process is not Online.</summary>
    public RoutedComponentClient ForServer(long serverId) =>
        _routed.GetOrAdd((null, serverId, false), k => new RoutedComponentClient(this, null, k.ServerId, false));

    /// <summary>Stops every client (calls in flight fail with Unavailable) and the discovery watches.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (_started.IsValueCreated)
        {
            var (system, actor) = _started.Value;
            if (_ownsSystem)
            {
                await system.Terminate().ConfigureAwait(false);
            }
            else if (!system.WhenTerminated.IsCompleted)
            {
                // Stops the manager and its ClientActors (their calls fail with Unavailable), not the system it shares.
                try
                {
                    await actor.GracefulStop(StopTimeout).ConfigureAwait(false);
                }
                catch (TaskCanceledException) when (system.WhenTerminated.IsCompleted)
                {
                    // The shared system terminated meanwhile, which stopped the manager's actors as well.
                }
            }
        }
        Registry.CompleteAll();
        _telemetry.Dispose();
        _ownedFactory?.Dispose();
    }

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    // Only clients the actor made can ask for a re-resolve, so the actor exists by then.
    internal void Reresolve(ClientHandle handle) => _started.Value.Actor.Tell(new Reresolve(handle.Key, handle.ServerId));

    internal bool TryEnterPrimaryWait()
    {
        if (Interlocked.Increment(ref _primaryWaiters) <= Options.MaxPrimaryWaiters)
        {
            return true;
        }
        Interlocked.Decrement(ref _primaryWaiters);
        return false;
    }

    internal void ExitPrimaryWait() => Interlocked.Decrement(ref _primaryWaiters);
}
