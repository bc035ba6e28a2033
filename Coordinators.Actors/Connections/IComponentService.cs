using Coordinators.Actors.Components.Proto;

namespace Coordinators.Actors.Connections;

/// <summary>
/// The component service as an in-process object: what standalone mode calls directly instead of going
/// through gRPC. An implementation applies the same rules as the gRPC service (state checks, Unavailable
/// naming the state), throwing <see cref="Grpc.RpcException"/>.
/// </summary>
public interface IComponentService
{
    /// <summary>The ServerID of the process this service belongs to (0 until its session is registered).</summary>
    long ServerId { get; }

    /// <summary>Answers GetComponentStates.</summary>
    Task<ComponentStates> GetComponentStatesAsync(GetComponentStatesRequest request, CancellationToken cancellationToken);

    /// <summary>Answers Ping.</summary>
    Task<PingResponse> PingAsync(PingRequest request, CancellationToken cancellationToken);

    /// <summary>Answers Work.</summary>
    Task<WorkResponse> WorkAsync(WorkRequest request, CancellationToken cancellationToken);

    /// <summary>Answers Proxy.</summary>
    Task<ProxyResponse> ProxyAsync(ProxyRequest request, CancellationToken cancellationToken);
}
