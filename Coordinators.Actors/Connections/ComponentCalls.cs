using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Grpc;

namespace Coordinators.Actors.Connections;

/// <summary>
/// The wire facts of the <c>coordinators.Component</c> service a client needs: method descriptors, the
/// metadata key that names the target ServerID, and the server's "node not match" rejection.
/// </summary>
public static class ComponentCalls
{
    /// <summary>The fully qualified service name.</summary>
    public const string ServiceName = "coordinators.Component";

    /// <summary>Request metadata naming the ServerID the caller means to reach.</summary>
    public const string ServerIdHeader = "server-id";

    /// <summary>Detail of the FailedPrecondition a server answers when <see cref="ServerIdHeader"/> names another process.</summary>
    public const string NodeNotMatch = "node not match";

    /// <summary>GetComponentStates: role, ServerID, state code.</summary>
    public static readonly Method<GetComponentStatesRequest, ComponentStates> GetComponentStates =
        new(ServiceName, "GetComponentStates", MethodType.Unary, GetComponentStatesRequest.Parser, ComponentStates.Parser);

    /// <summary>Ping: echoes a payload with the answering process's identity.</summary>
    public static readonly Method<PingRequest, PingResponse> Ping =
        new(ServiceName, "Ping", MethodType.Unary, PingRequest.Parser, PingResponse.Parser);

    /// <summary>Work: a deliberately slow call (sleeps the given milliseconds), for abort tests.</summary>
    public static readonly Method<WorkRequest, WorkResponse> Work =
        new(ServiceName, "Work", MethodType.Unary, WorkRequest.Parser, WorkResponse.Parser);

    /// <summary>Proxy: one coordinator call plus one node call, made by a proxy node.</summary>
    public static readonly Method<ProxyRequest, ProxyResponse> Proxy =
        new(ServiceName, "Proxy", MethodType.Unary, ProxyRequest.Parser, ProxyResponse.Parser);

    /// <summary>True when <paramref name="e"/> is a server's rejection of a call meant for another ServerID.</summary>
    public static bool IsNodeNotMatch(RpcException e) =>
        e.StatusCode == StatusCode.FailedPrecondition && e.Status.Detail.Contains(NodeNotMatch, StringComparison.Ordinal);
}
