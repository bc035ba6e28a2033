using Coordinators.Actors.Components;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Connections.Nodes;

/// <summary>Wires a ConnectionManager into a <see cref="ComponentHost"/>'s start-up sequence.</summary>
public static class ComponentHostConnectionExtensions
{
    /// <summary>
    /// Adds the <see cref="ComponentStages.Dependencies"/> stage: a ConnectionManager that follows every role
    /// <see cref="NodeDependencies.For"/> lists for the host's role (Range + Watch; clients connect in the
    /// background, the stage does not wait for them to be Online), disposed when the host stops. For the proxy
    /// role it also installs <see cref="ProxyHandler"/> and the forwarders of the coordinators' duties. Returns the manager, usable once the stage has run.
    /// </summary>
    public static ConnectionManager UseConnectionManager(this ComponentHost host, EtcdClient etcd, ConnectionManagerOptions options, IReadOnlyList<string>? dependencies = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        var manager = new ConnectionManager(etcd, options with { LoggerFactory = host.LoggerFactory });
        var roles = dependencies ?? NodeDependencies.For(host.Role);
        if (host.Role == Roles.Proxy)
        {
            host.ProxyHandler = ProxyHandler.Create(manager);
            host.AddGrpcService(new RootCoordForwarder(manager));
            host.AddGrpcService(new DataCoordForwarder(manager));
        }
        // The manager exists from now on, so the host must dispose it however start-up ends: this stage is the first
        // to start, hence stopped whenever any later one fails (the dependencies stage below stops it earlier on a
        // normal stop; disposing twice is harmless).
        host.AddStage("dependencies-owner", int.MinValue, _ => Task.CompletedTask, async _ => await manager.DisposeAsync().ConfigureAwait(false));
        host.AddStage("dependencies", ComponentStages.Dependencies,
            async ct =>
            {
                foreach (var role in roles)
                {
                    await manager.AddDependencyAsync(role, DependencyScope.Default, ct).ConfigureAwait(false);
                }
            },
            async _ => await manager.DisposeAsync().ConfigureAwait(false));
        return manager;
    }
}
