namespace Coordinators.Actors.Grpc.Server;

/// <summary>Handles a unary call: one request in, one response out.</summary>
public delegate Task<TResponse> UnaryServerMethod<TRequest, TResponse>(TRequest request, ServerCallContext context);

/// <summary>Handles a server-streaming call: one request in, any number of responses written to the stream.</summary>
public delegate Task ServerStreamingServerMethod<TRequest, TResponse>(
    TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context);

/// <summary>
/// Handles a duplex call: requests arrive as an async stream (enumerate it once) while responses are
/// written at any time; the call ends when the handler returns.
/// </summary>
public delegate Task DuplexStreamingServerMethod<TRequest, TResponse>(
    IAsyncEnumerable<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context);

/// <summary>
/// Runs before every call's handler, after the request headers arrived and before the request message is
/// read. Throw an <see cref="RpcException"/> to reject the call with that status (the handler then never runs).
/// </summary>
public delegate ValueTask ServerCallInterceptor(ServerCallContext context);
