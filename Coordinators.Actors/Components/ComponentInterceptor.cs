using System.Globalization;
using Coordinators.Actors.Transport;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Coordinators.Actors.Components;

/// <summary>
/// Runs before every call of a component's server: ServerID match first (a typed "node not match" error), then the
/// state (GetComponentStates and health are always answered), then, for a Healthy coordinator, the lease guard.
/// A call's token also fires when the server stops (<see cref="StoppableRequestLifetime"/>): a handler that ends for
/// that reason is reported as Unavailable, so in-flight calls and streams end at once instead of holding the
/// shutdown until its timeout.
/// </summary>
internal sealed class ComponentInterceptor(ComponentHost host, CancellationToken stopping) : Interceptor
{
    private const string HealthPrefix = "/grpc.health.v1.Health/";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception e) when (stopping.IsCancellationRequested)
        {
            throw Stopping(e);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (stopping.IsCancellationRequested)
        {
            throw Stopping(e);
        }
        // A health Watch ends normally when its token fires; a stopping server must not report that as OK.
        if (stopping.IsCancellationRequested)
        {
            throw Stopping(null);
        }
    }

    private RpcException Stopping(Exception? inner) =>
        RpcErrors.Create(StatusCode.Unavailable, $"{host.Role} (server {host.ServerId}) is stopping", inner);

    private void Admit(ServerCallContext context)
    {
        var snapshot = host.Snapshot;
        if (context.RequestHeaders.GetValue(ComponentMethods.ServerIdHeader) is { } target)
        {
            if (!long.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var wanted))
            {
                throw RpcErrors.Create(StatusCode.InvalidArgument, $"metadata {ComponentMethods.ServerIdHeader} '{target}' is not a ServerID");
            }
            if (ComponentMethods.TargetMismatch(wanted, snapshot.ServerId) is { } mismatch)
            {
                throw mismatch;
            }
        }
        var method = context.Method;
        if (method == ComponentMethods.GetComponentStatesPath || method.StartsWith(HealthPrefix, StringComparison.Ordinal))
        {
            return;
        }
        if (stopping.IsCancellationRequested)
        {
            throw Stopping(null);
        }
        // Healthy, and (a paused primary resumed) a guard that still vouches for the lease: the check standalone shares.
        host.EnsureServing();
    }
}
