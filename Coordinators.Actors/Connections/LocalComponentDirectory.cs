using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace Coordinators.Actors.Connections;

/// <summary>
/// The component services living in this process, by ServerID (standalone mode). A service registers once
/// its session has a ServerID and unregisters when it stops. Lock-free reads.
/// </summary>
public sealed class LocalComponentDirectory
{
    // Replaced whole on every change; readers take a snapshot without locking.
    private ImmutableDictionary<long, IComponentService> _services = ImmutableDictionary<long, IComponentService>.Empty;

    /// <summary>Makes <paramref name="service"/> reachable in-process under its ServerID.</summary>
    public void Register(IComponentService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        ImmutableInterlocked.AddOrUpdate(ref _services, service.ServerId, service, (_, _) => service);
    }

    /// <summary>Removes the service registered under <paramref name="serverId"/>.</summary>
    public void Unregister(long serverId) => ImmutableInterlocked.TryRemove(ref _services, serverId, out _);

    /// <summary>The local service with this ServerID, if any.</summary>
    public bool TryGet(long serverId, [MaybeNullWhen(false)] out IComponentService service) =>
        Volatile.Read(ref _services).TryGetValue(serverId, out service);
}
