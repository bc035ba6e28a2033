using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Grpc;

namespace Coordinators.Actors.Components;

/// <summary>
/// Descriptors of the <c>coordinators.Component</c> service every process serves, for clients and for mapping,
/// and the metadata key that names the ServerID a call is meant for.
/// </summary>
public static class ComponentMethods
{
    /// <summary>The wire name of the service.</summary>
    public const string ServiceName = "coordinators.Component";

    /// <summary>
    /// Request metadata carrying the target ServerID. A server with another ServerID answers FailedPrecondition
    /// "node not match", so a restarted process on the same address is never mistaken for the old one.
    /// </summary>
    public const string ServerIdHeader = "server-id";

    /// <summary>State probe; always answered (only a ServerID mismatch is refused).</summary>
    public static readonly Method<GetComponentStatesRequest, ComponentStates> GetComponentStates =
        new(ServiceName, "GetComponentStates", MethodType.Unary, GetComponentStatesRequest.Parser, ComponentStates.Parser);

    /// <summary>Echo with the server's identity and term.</summary>
    public static readonly Method<PingRequest, PingResponse> Ping =
        new(ServiceName, "Ping", MethodType.Unary, PingRequest.Parser, PingResponse.Parser);

    /// <summary>Waits the given milliseconds (honouring cancellation): a deliberately slow call for tests.</summary>
    public static readonly Method<WorkRequest, WorkResponse> Work =
        new(ServiceName, "Work", MethodType.Unary, WorkRequest.Parser, WorkResponse.Parser);

    /// <summary>The proxy's demo call: one coordinator call plus one node call.</summary>
    public static readonly Method<ProxyRequest, ProxyResponse> Proxy =
        new(ServiceName, "Proxy", MethodType.Unary, ProxyRequest.Parser, ProxyResponse.Parser);

    /// <summary>Metadata naming the target ServerID, to pass as <see cref="CallOptions.Headers"/>.</summary>
    public static Metadata ForServer(long serverId) =>
        new() { { ServerIdHeader, serverId.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
}
