using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Model;
using Grpc.Core;

namespace Coordinators.Actors.Connections;

/// <summary>
/// Standalone mode's client of one session: each call goes to the session's in-process service when this process has
/// it registered, otherwise through the fallback (gRPC) client. Decided per call, not once: a session's key is visible
/// in etcd a moment before its own process registers the service under that ServerID, and a client made in that
/// moment must not stay on gRPC for good. Once found, the in-process service is kept.
/// </summary>
public sealed class LocalFirstComponentClient : IComponentClient, IServiceInvoker, IDisposable
{
    private readonly LocalComponentDirectory _directory;
    private readonly SessionInfo _session;
    private readonly TimeProvider? _time;
    private readonly CancellationToken _lifetime;
    // Made on first use only; disposed with this client.
    private readonly Lazy<IComponentClient> _remote;
    // The in-process client once the directory had the service; never reset (a new ServerID is a new client).
    private InProcessComponentClient? _local;

    /// <summary>Creates the client; nothing is looked up or dialled until the first call.</summary>
    public LocalFirstComponentClient(LocalComponentDirectory directory, SessionInfo session, IComponentClientFactory fallback, TimeProvider? timeProvider, CancellationToken lifetime)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(fallback);
        _directory = directory;
        _session = session;
        _time = timeProvider;
        _lifetime = lifetime;
        _remote = new Lazy<IComponentClient>(() => fallback.Create(session, lifetime), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The type name of the client the next call would use (for diagnostics and the standalone self-check).</summary>
    public string Transport => Pick().GetType().Name;

    /// <inheritdoc />
    public Task<ComponentStates> GetComponentStatesAsync(GetComponentStatesRequest request, CallOptions options = default) =>
        Pick().GetComponentStatesAsync(request, options);

    /// <inheritdoc />
    public Task<PingResponse> PingAsync(PingRequest request, CallOptions options = default) => Pick().PingAsync(request, options);

    /// <inheritdoc />
    public Task<WorkResponse> WorkAsync(WorkRequest request, CallOptions options = default) => Pick().WorkAsync(request, options);

    /// <inheritdoc />
    public Task<ProxyResponse> ProxyAsync(ProxyRequest request, CallOptions options = default) => Pick().ProxyAsync(request, options);

    /// <inheritdoc />
    /// <remarks>Duty services are not in-process: they go over gRPC to the session's address, also in standalone mode.</remarks>
    public Task<T> CallAsync<T>(Func<CallInvoker, CallOptions, AsyncUnaryCall<T>> call, CallOptions options) =>
        _remote.Value is IServiceInvoker invoker
            ? invoker.CallAsync(call, options)
            : throw Coordinators.Actors.Transport.RpcErrors.Create(StatusCode.Unimplemented, $"server {_session.ServerId}'s client reaches no duty services");

    /// <inheritdoc />
    public void Dispose()
    {
        if (_remote.IsValueCreated)
        {
            (_remote.Value as IDisposable)?.Dispose();
        }
    }

    private IComponentClient Pick()
    {
        if (Volatile.Read(ref _local) is { } local)
        {
            return local;
        }
        if (_directory.TryGet(_session.ServerId, out var service))
        {
            var found = new InProcessComponentClient(service, _session.ServerId, _time, _lifetime);
            return Interlocked.CompareExchange(ref _local, found, null) ?? found;
        }
        return _remote.Value;
    }
}
