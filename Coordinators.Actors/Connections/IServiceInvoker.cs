using Grpc.Core;

namespace Coordinators.Actors.Connections;

/// <summary>
/// A component client that also reaches the process's other gRPC services (a coordinator's duties) on the same
/// connection, with the same ServerID header and lifetime as its coordinators.Component calls.
/// </summary>
public interface IServiceInvoker
{
    /// <summary>Runs <paramref name="call"/> (a generated client's method over the invoker) under <paramref name="options"/>.</summary>
    Task<T> CallAsync<T>(Func<CallInvoker, CallOptions, AsyncUnaryCall<T>> call, CallOptions options);
}
