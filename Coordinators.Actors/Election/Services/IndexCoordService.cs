using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Election.Services;

/// <summary>The IndexCoord coordinator service (minimal: the fenced epoch counter).</summary>
public sealed class IndexCoordService(EtcdClient etcd, EtcdLayout layout) : EpochCoordinatorService(Roles.IndexCoord, etcd, layout);
