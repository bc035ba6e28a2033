using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Transport;
using Grpc.Core;

namespace Coordinators.Actors.Components;

/// <summary>
/// The coordinators.Component service of one <see cref="ComponentHost"/> on Grpc.AspNetCore. The
/// <see cref="ComponentInterceptor"/> has checked the ServerID, the state and the lease guard before any of these run.
/// </summary>
internal sealed class ComponentGrpcService(ComponentHost host) : Component.ComponentBase
{
    public override Task<ComponentStates> GetComponentStates(GetComponentStatesRequest request, ServerCallContext context)
    {
        var s = host.Snapshot;
        var state = s.State;
        // A primary resumed after a pause longer than its guard still holds Healthy until its actors run; it must not
        // say it serves (the interceptor already refuses its calls). It reports Abnormal and the refusal steps it down.
        if (state == StateCode.Healthy && host.Guard is { IsValid: false })
        {
            host.OnGuardRejected();
            state = StateCode.Abnormal;
        }
        return Task.FromResult(new ComponentStates
        {
            Role = s.Role,
            ServerId = s.ServerId,
            State = (Proto.StateCode)(int)state,
            Term = s.Term,
            Pid = host.Pid,
            Address = s.Address,
        });
    }

    public override Task<PingResponse> Ping(PingRequest request, ServerCallContext context)
    {
        var s = host.Snapshot;
        return Task.FromResult(new PingResponse { Payload = request.Payload, Role = s.Role, ServerId = s.ServerId, Term = s.Term });
    }

    public override async Task<WorkResponse> Work(WorkRequest request, ServerCallContext context)
    {
        var started = TimeProvider.System.GetTimestamp();
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, request.Milliseconds)), context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw RpcErrors.Create(StatusCode.Cancelled, "work cancelled");
        }
        return new WorkResponse
        {
            ServerId = host.ServerId,
            ElapsedMs = (long)TimeProvider.System.GetElapsedTime(started).TotalMilliseconds,
        };
    }

    public override Task<ProxyResponse> Proxy(ProxyRequest request, ServerCallContext context) =>
        host.ProxyHandler is { } handler
            ? handler(request, context)
            : throw RpcErrors.Create(StatusCode.Unimplemented, $"{host.Role} serves no Proxy calls");
}
