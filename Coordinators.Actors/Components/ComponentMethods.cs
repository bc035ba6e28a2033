using Grpc.Core;

namespace Coordinators.Actors.Components;

/// <summary>
/// Names of the <c>coordinators.Component</c> service every process serves (its client and base class are generated
/// from component.proto: <see cref="Proto.Component"/>), the metadata key that names the ServerID a call is meant
/// for, and the typed error a server answers when that ServerID is not its own.
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

    /// <summary>Trailer key naming the kind of a component error (its value is one of the <c>*Code</c> constants).</summary>
    public const string ErrorTrailer = "coordinators-error";

    /// <summary><see cref="ErrorTrailer"/> value of a rejected call meant for another ServerID.</summary>
    public const string NodeNotMatchCode = "node-not-match";

    /// <summary>Start of the FailedPrecondition detail of a call meant for another ServerID.</summary>
    public const string NodeNotMatch = "node not match";

    /// <summary>Full method path of GetComponentStates, answered whatever the state.</summary>
    public static readonly string GetComponentStatesPath = "/" + ServiceName + "/GetComponentStates";

    /// <summary>Metadata naming the target ServerID, to pass as <see cref="CallOptions.Headers"/>.</summary>
    public static Metadata ForServer(long serverId) =>
        new() { { ServerIdHeader, serverId.ToString(System.Globalization.CultureInfo.InvariantCulture) } };

    /// <summary>The FailedPrecondition a server answers to a call meant for another ServerID; <paramref name="detail"/> follows "node not match: ".</summary>
    public static RpcException NodeNotMatchError(string detail) =>
        new(new Status(StatusCode.FailedPrecondition, $"{NodeNotMatch}: {detail}"), new Metadata { { ErrorTrailer, NodeNotMatchCode } });

    /// <summary>
    /// Refuses a call meant for server <paramref name="wanted"/> at a process that is server <paramref name="actual"/>:
    /// Unavailable while the process has no ServerID yet (its session key can be in etcd a moment before the process
    /// knows its own ServerID, and a caller that found the key must retry, not drop it), node not match otherwise.
    /// Null when the call is for this process. The gRPC interceptor and the in-process client both use it.
    /// </summary>
    public static RpcException? TargetMismatch(long wanted, long actual) =>
        wanted == actual ? null
        : actual == 0 ? new RpcException(new Status(StatusCode.Unavailable, $"this process has no ServerID yet (its session is being registered); the call was for {wanted}"))
        : NodeNotMatchError($"this is server {actual}, the call was for {wanted}");
}
