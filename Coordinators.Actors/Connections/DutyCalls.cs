using Coordinators.Actors.Transport;
using Grpc.Core;

namespace Coordinators.Actors.Connections;

/// <summary>Calls to a coordinator primary's duty services through the ConnectionManager.</summary>
public static class DutyCalls
{
    /// <summary>
    /// Runs <paramref name="call"/> against <paramref name="role"/>'s primary under the call policy, waiting for a
    /// primary during a failover (<see cref="ConnectionManager.ForRole"/> with wait-for-primary).
    /// </summary>
    /// <example><code>
    /// var ts = await connections.CallPrimaryAsync(Roles.RootCoord,
    ///     (invoker, o) => new RootCoord.RootCoordClient(invoker).AllocTimestampAsync(new AllocTimestampRequest { Count = 1 }, o));
    /// </code></example>
    public static Task<T> CallPrimaryAsync<T>(this ConnectionManager connections, string role, Func<CallInvoker, CallOptions, AsyncUnaryCall<T>> call, CallOptions options = default)
    {
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentNullException.ThrowIfNull(call);
        return connections.ForRole(role, waitForPrimary: true).InvokeAsync(
            (client, o) => client is IServiceInvoker invoker
                ? invoker.CallAsync(call, o)
                : throw RpcErrors.Create(StatusCode.Unimplemented, $"the {role} client ({client.GetType().Name}) reaches no duty services"),
            options);
    }
}
