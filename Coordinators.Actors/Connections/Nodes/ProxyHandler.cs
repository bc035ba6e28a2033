using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Transport;
using Grpc.Core;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Connections.Nodes;

/// <summary>
/// The proxy role's <c>Proxy</c> call: Ping the primary of <c>coordinator_role</c> with wait-for-primary (so a
/// failover delays the call instead of failing it), then Ping a node of <c>node_role</c> (round-robin over its
/// Online clients, failing fast when none is), and answer both ServerIDs and the coordinator's term. Both calls
/// run under the incoming call's deadline and cancellation.
/// </summary>
public static class ProxyHandler
{
    /// <summary>Makes the handler over <paramref name="connections"/>, which must follow the roles it is asked about.</summary>
    public static UnaryServerMethod<ProxyRequest, ProxyResponse> Create(ConnectionManager connections)
    {
        ArgumentNullException.ThrowIfNull(connections);
        return (request, context) => HandleAsync(connections, request, context.Deadline == DateTime.MaxValue ? null : context.Deadline, context.CancellationToken);
    }

    /// <summary>Serves one Proxy request; also used by the in-process service in standalone mode.</summary>
    public static async Task<ProxyResponse> HandleAsync(ConnectionManager connections, ProxyRequest request, DateTime? deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentNullException.ThrowIfNull(request);
        var coordinatorRole = string.IsNullOrEmpty(request.CoordinatorRole) ? Roles.RootCoord : request.CoordinatorRole;
        var nodeRole = string.IsNullOrEmpty(request.NodeRole) ? Roles.QueryNode : request.NodeRole;
        if (!Roles.IsCoordinator(coordinatorRole) || !Roles.All.Contains(nodeRole) || Roles.IsCoordinator(nodeRole))
        {
            throw RpcErrors.Create(StatusCode.InvalidArgument, $"proxy needs a coordinator role and a node role, got '{coordinatorRole}' and '{nodeRole}'");
        }
        var options = new CallOptions(deadline: deadline, cancellationToken: cancellationToken);
        var coordinator = await connections.ForRole(coordinatorRole, waitForPrimary: true)
            .PingAsync(new PingRequest { Payload = "proxy" }, options).ConfigureAwait(false);
        var node = await connections.ForRole(nodeRole).PingAsync(new PingRequest { Payload = "proxy" }, options).ConfigureAwait(false);
        return new ProxyResponse
        {
            CoordinatorServerId = coordinator.ServerId,
            CoordinatorTerm = coordinator.Term,
            NodeServerId = node.ServerId,
        };
    }
}
