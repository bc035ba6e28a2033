using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Election.Services;

/// <summary>The QueryCoord coordinator service (minimal: the fenced epoch counter).</summary>
public sealed class QueryCoordService(EtcdClient etcd, EtcdLayout layout) : EpochCoordinatorService(Roles.QueryCoord, etcd, layout);
