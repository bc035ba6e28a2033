using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Components;
using Coordinators.Actors.Connections.Internal;
using Coordinators.Actors.Transport;
using Grpc.Core;

namespace Coordinators.Actors.Connections;

/// <summary>
/// A <see cref="IComponentClient"/> that calls a service in the same process (standalone mode, MEP 2):
/// no serialisation and no socket, but the same rules as over gRPC — the ServerID must match ("node not
/// match" otherwise), the deadline is enforced (DeadlineExceeded), and the client's lifetime aborts calls
/// in flight with Unavailable.
/// </summary>
public sealed class InProcessComponentClient(IComponentService service, long serverId, TimeProvider? timeProvider = null, CancellationToken lifetime = default)
    : IComponentClient
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>The ServerID this client is bound to.</summary>
    public long ServerId => serverId;

    /// <inheritdoc />
    public Task<ComponentStates> GetComponentStatesAsync(GetComponentStatesRequest request, CallOptions options = default) =>
        CallAsync(options, ct => service.GetComponentStatesAsync(request, ct));

    /// <inheritdoc />
    public Task<PingResponse> PingAsync(PingRequest request, CallOptions options = default) => CallAsync(options, ct => service.PingAsync(request, ct));

    /// <inheritdoc />
    public Task<WorkResponse> WorkAsync(WorkRequest request, CallOptions options = default) => CallAsync(options, ct => service.WorkAsync(request, ct));

    /// <inheritdoc />
    public Task<ProxyResponse> ProxyAsync(ProxyRequest request, CallOptions options = default) => CallAsync(options, ct => service.ProxyAsync(request, ct));

    private Task<T> CallAsync<T>(CallOptions options, Func<CancellationToken, Task<T>> call) =>
        Lifetime.RunAsync(serverId, options, o => InvokeAsync(o, call), lifetime);

    private async Task<T> InvokeAsync<T>(CallOptions options, Func<CancellationToken, Task<T>> call)
    {
        if (ComponentMethods.TargetMismatch(serverId, service.ServerId) is { } mismatch)
        {
            throw mismatch;
        }
        CancellationTokenSource? deadline = null;
        var token = options.CancellationToken;
        if (options.Deadline is { } d)
        {
            var remaining = d.ToUniversalTime() - _time.GetUtcNow().UtcDateTime;
            if (remaining <= TimeSpan.Zero)
            {
                throw RpcErrors.Create(StatusCode.DeadlineExceeded, "Deadline Exceeded");
            }
            deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
            deadline.CancelAfter(remaining);
            token = deadline.Token;
        }
        try
        {
            return await call(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (deadline?.IsCancellationRequested == true && !options.CancellationToken.IsCancellationRequested)
        {
            throw RpcErrors.Create(StatusCode.DeadlineExceeded, "Deadline Exceeded", e);
        }
        catch (OperationCanceledException e) when (options.CancellationToken.IsCancellationRequested)
        {
            throw RpcErrors.Create(StatusCode.Cancelled, "Call canceled by the client.", e);
        }
        finally
        {
            deadline?.Dispose();
        }
    }
}
