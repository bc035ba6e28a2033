namespace Coordinators.Actors.Grpc.Server;

/// <summary>Settings shared by every gRPC endpoint of one server.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted; a bigger one ends the call with ResourceExhausted. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>Largest response message sent; a bigger one ends the call with ResourceExhausted. Default 4 MiB.</summary>
    public int MaxSendMessageSize { get; set; } = GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>Run in order before every call; any of them may reject the call by throwing an <see cref="RpcException"/>.</summary>
    public IList<ServerCallInterceptor> Interceptors { get; } = new List<ServerCallInterceptor>();

    /// <summary>Clock for call deadlines (grpc-timeout).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
