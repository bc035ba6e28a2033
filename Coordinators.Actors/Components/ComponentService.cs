using System.Globalization;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Grpc;
using Coordinators.Actors.Grpc.Health;
using Coordinators.Actors.Grpc.Server;

namespace Coordinators.Actors.Components;

/// <summary>
/// The coordinators.Component service of one <see cref="ComponentHost"/> and the interceptor run before every
/// call of its server: ServerID match first, then the state (GetComponentStates and health are always
/// answered), then, for a Healthy coordinator, the lease guard.
/// </summary>
internal sealed class ComponentService(ComponentHost host)
{
    private static readonly string StatesPath = ComponentMethods.GetComponentStates.FullName;
    private static readonly string HealthPrefix = "/" + HealthServiceImpl.ServiceName + "/";

    public void Map(GrpcServerBuilder builder)
    {
        builder.MapGrpcUnary(ComponentMethods.GetComponentStates, GetComponentStatesAsync);
        builder.MapGrpcUnary(ComponentMethods.Ping, PingAsync);
        builder.MapGrpcUnary(ComponentMethods.Work, WorkAsync);
        builder.MapGrpcUnary(ComponentMethods.Proxy, ProxyAsync);
    }

    public ValueTask InterceptAsync(ServerCallContext context)
    {
        var snapshot = host.Snapshot;
        if (context.RequestHeaders.GetValue(ComponentMethods.ServerIdHeader) is { } target)
        {
            if (!long.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var wanted))
            {
                throw new RpcException(StatusCode.InvalidArgument, $"metadata {ComponentMethods.ServerIdHeader} '{target}' is not a ServerID");
            }
            if (wanted != snapshot.ServerId)
            {
                throw new RpcException(StatusCode.FailedPrecondition,
                    $"node not match: this is server {snapshot.ServerId}, the call was for {wanted}");
            }
        }
        var method = context.Method;
        if (method == StatesPath || method.StartsWith(HealthPrefix, StringComparison.Ordinal))
        {
            return ValueTask.CompletedTask;
        }
        if (snapshot.State != StateCode.Healthy)
        {
            throw new RpcException(StatusCode.Unavailable, $"{snapshot.Role} (server {snapshot.ServerId}) is {snapshot.State}");
        }
        // A paused primary resumed: its guard expired before etcd could elect another; refuse before serving anything.
        if (host.Guard is { IsValid: false })
        {
            host.OnGuardRejected();
            throw new RpcException(StatusCode.Unavailable, $"{snapshot.Role} (server {snapshot.ServerId}) lease guard expired; it no longer serves as primary");
        }
        return ValueTask.CompletedTask;
    }

    private Task<ComponentStates> GetComponentStatesAsync(GetComponentStatesRequest request, ServerCallContext context)
    {
        var s = host.Snapshot;
        return Task.FromResult(new ComponentStates
        {
            Role = s.Role,
            ServerId = s.ServerId,
            State = (Proto.StateCode)(int)s.State,
            Term = s.Term,
            Pid = host.Pid,
            Address = s.Address,
        });
    }

    private Task<PingResponse> PingAsync(PingRequest request, ServerCallContext context)
    {
        var s = host.Snapshot;
        return Task.FromResult(new PingResponse { Payload = request.Payload, Role = s.Role, ServerId = s.ServerId, Term = s.Term });
    }

    private async Task<WorkResponse> WorkAsync(WorkRequest request, ServerCallContext context)
    {
        var started = TimeProvider.System.GetTimestamp();
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, request.Milliseconds)), context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new RpcException(StatusCode.Cancelled, "work cancelled");
        }
        return new WorkResponse
        {
            ServerId = host.ServerId,
            ElapsedMs = (long)TimeProvider.System.GetElapsedTime(started).TotalMilliseconds,
        };
    }

    private Task<ProxyResponse> ProxyAsync(ProxyRequest request, ServerCallContext context) =>
        host.ProxyHandler is { } handler
            ? handler(request, context)
            : throw new RpcException(StatusCode.Unimplemented, $"{host.Role} serves no Proxy calls");
}
