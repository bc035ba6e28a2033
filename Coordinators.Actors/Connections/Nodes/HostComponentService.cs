using Coordinators.Actors.Components;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Transport;
using Grpc.Core;
using StateCode = Coordinators.Actors.Components.StateCode;

namespace Coordinators.Actors.Connections.Nodes;

/// <summary>
/// A <see cref="ComponentHost"/>'s component service as an in-process object (standalone mode): the same answers
/// and the same rules as its gRPC service — GetComponentStates always answers; other calls need the component
/// Healthy (Unavailable naming the state otherwise) and, for a coordinator, a valid lease guard; Work waits as asked;
/// Proxy runs <see cref="ProxyHandler"/> over the proxy's ConnectionManager.
/// </summary>
public sealed class HostComponentService(ComponentHost host, ConnectionManager? proxyConnections = null) : IComponentService
{
    /// <inheritdoc />
    public long ServerId => host.ServerId;

    /// <summary>The host served.</summary>
    public ComponentHost Host => host;

    /// <inheritdoc />
    public Task<ComponentStates> GetComponentStatesAsync(GetComponentStatesRequest request, CancellationToken cancellationToken)
    {
        var s = host.Snapshot;
        return Task.FromResult(new ComponentStates
        {
            Role = s.Role,
            ServerId = s.ServerId,
            State = (Components.Proto.StateCode)(int)s.State,
            Term = s.Term,
            Pid = host.Pid,
            Address = s.Address,
        });
    }

    /// <inheritdoc />
    public Task<PingResponse> PingAsync(PingRequest request, CancellationToken cancellationToken)
    {
        var s = EnsureServing();
        return Task.FromResult(new PingResponse { Payload = request.Payload, Role = s.Role, ServerId = s.ServerId, Term = s.Term });
    }

    /// <inheritdoc />
    public async Task<WorkResponse> WorkAsync(WorkRequest request, CancellationToken cancellationToken)
    {
        var s = EnsureServing();
        var started = TimeProvider.System.GetTimestamp();
        await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, request.Milliseconds)), cancellationToken).ConfigureAwait(false);
        return new WorkResponse { ServerId = s.ServerId, ElapsedMs = (long)TimeProvider.System.GetElapsedTime(started).TotalMilliseconds };
    }

    /// <inheritdoc />
    public Task<ProxyResponse> ProxyAsync(ProxyRequest request, CancellationToken cancellationToken)
    {
        EnsureServing();
        return proxyConnections is null
            ? throw RpcErrors.Create(StatusCode.Unimplemented, $"{host.Role} serves no Proxy calls")
            : ProxyHandler.HandleAsync(proxyConnections, request, null, cancellationToken);
    }

    private ComponentStateSnapshot EnsureServing() => host.EnsureServing();
}
