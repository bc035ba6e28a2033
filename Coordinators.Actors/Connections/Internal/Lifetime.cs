using Coordinators.Actors.Transport;
using Grpc.Core;

namespace Coordinators.Actors.Connections.Internal;

/// <summary>
/// Ties one call to a client's lifetime: the call's token is linked to the lifetime token, and a cancellation
/// that came from the lifetime (the session was deleted) is reported as Unavailable, not Cancelled, so
/// callers and the retry policy see "the server left" at once instead of waiting for a timeout.
/// </summary>
internal static class Lifetime
{
    public static async Task<T> RunAsync<T>(long serverId, CallOptions options, Func<CallOptions, Task<T>> call, CancellationToken lifetime)
    {
        if (lifetime.IsCancellationRequested)
        {
            throw Left(serverId, null);
        }
        using var linked = options.CancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken, lifetime)
            : CancellationTokenSource.CreateLinkedTokenSource(lifetime);
        try
        {
            return await call(options.WithCancellationToken(linked.Token)).ConfigureAwait(false);
        }
        catch (Exception e) when (lifetime.IsCancellationRequested && !options.CancellationToken.IsCancellationRequested
            && e is RpcException { StatusCode: StatusCode.Cancelled or StatusCode.Unavailable } or OperationCanceledException)
        {
            throw Left(serverId, e);
        }
    }

    public static RpcException Left(long serverId, Exception? inner) =>
        RpcErrors.Create(StatusCode.Unavailable, $"server {serverId} left: session deleted", inner);
}
