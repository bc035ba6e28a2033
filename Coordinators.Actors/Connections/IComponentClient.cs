using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Transport;
using Grpc.Core;

namespace Coordinators.Actors.Connections;

/// <summary>
/// A typed client of the <c>coordinators.Component</c> service, as a Grpc.Core generated client would be.
/// The same interface is served over gRPC (<see cref="GrpcComponentClient"/>), directly in-process in
/// standalone mode (<see cref="InProcessComponentClient"/>), and by the ConnectionManager's routed clients,
/// which add fail-fast, retries and wait-for-primary (<see cref="ConnectionManager.ForRole"/>).
/// Failures surface as <see cref="RpcException"/>.
/// </summary>
public interface IComponentClient
{
    /// <summary>The component's role, ServerID and state code.</summary>
    Task<ComponentStates> GetComponentStatesAsync(GetComponentStatesRequest request, CallOptions options = default);

    /// <summary>Echoes the payload with the answering process's identity.</summary>
    Task<PingResponse> PingAsync(PingRequest request, CallOptions options = default);

    /// <summary>Works for the requested milliseconds, then answers.</summary>
    Task<WorkResponse> WorkAsync(WorkRequest request, CallOptions options = default);

    /// <summary>Asks a proxy to call a coordinator primary and a node.</summary>
    Task<ProxyResponse> ProxyAsync(ProxyRequest request, CallOptions options = default);
}
