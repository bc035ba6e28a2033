using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Election.Services;

/// <summary>Creates the service of a coordinator role.</summary>
public static class CoordinatorServices
{
    /// <summary>The service for <paramref name="role"/>; throws for a role that is not a coordinator.</summary>
    public static EpochCoordinatorService Create(string role, EtcdClient etcd, EtcdLayout layout) => role switch
    {
        Roles.RootCoord => new RootCoordService(etcd, layout),
        Roles.DataCoord => new DataCoordService(etcd, layout),
        Roles.QueryCoord => new QueryCoordService(etcd, layout),
        Roles.IndexCoord => new IndexCoordService(etcd, layout),
        _ => throw new ArgumentException($"'{role}' is not a coordinator role", nameof(role)),
    };
}
