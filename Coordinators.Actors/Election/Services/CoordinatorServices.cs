using Coordinators.Actors.Config;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;
using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Election.Services;

/// <summary>Creates the service of a coordinator role.</summary>
public static class CoordinatorServices
{
    /// <summary>The service for <paramref name="role"/>; throws for a role that is not a coordinator.</summary>
    public static EpochCoordinatorService Create(string role, EtcdClient etcd, EtcdLayout layout) =>
        Create(role, etcd, layout, new CoordinatorsOptions(), null, null, null);

    /// <summary>
    /// The service for <paramref name="role"/> with its duties configured from <paramref name="options"/>; its
    /// allocations and meta answers are refused whenever <paramref name="guard"/> no longer vouches for the lease.
    /// </summary>
    public static EpochCoordinatorService Create(string role, EtcdClient etcd, EtcdLayout layout, CoordinatorsOptions options, LeaseGuard? guard, TimeProvider? time, ILoggerFactory? loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        return role switch
        {
            Roles.RootCoord => new RootCoordService(etcd, layout, options.RootCoord, guard, time, loggers?.CreateLogger<RootCoordService>()),
            Roles.DataCoord => new DataCoordService(etcd, layout, options.DataCoord, guard, time, loggers?.CreateLogger<DataCoordService>()),
            Roles.QueryCoord => new QueryCoordService(etcd, layout),
            Roles.IndexCoord => new IndexCoordService(etcd, layout),
            _ => throw new ArgumentException($"'{role}' is not a coordinator role", nameof(role)),
        };
    }
}
