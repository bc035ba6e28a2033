using Coordinators.Actors.Components;
using Coordinators.Actors.Hosting;
using Coordinators.Actors.Connections;
using Coordinators.Actors.Connections.Nodes;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Host.Commands;

/// <summary>
/// Where <c>coordinators run</c> adds what a role needs beyond the standard stages (grpc-server, session, ready):
/// for node roles a ConnectionManager at <see cref="ComponentStages.Dependencies"/> following
/// <see cref="NodeDependencies.For"/> (the proxy: all four coordinator primaries and the worker node roles), and
/// for the proxy its Proxy handler.
/// </summary>
internal static class RunComposition
{
    public static void Configure(ComponentRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        if (!Roles.IsCoordinator(runtime.Role))
        {
            runtime.Host.UseConnectionManager(runtime.Etcd, ConnectionManagerOptions.From(runtime.Options));
        }
    }
}
