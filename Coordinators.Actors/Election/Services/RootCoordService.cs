using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Election.Services;

/// <summary>The RootCoord coordinator service (minimal: the fenced epoch counter).</summary>
public sealed class RootCoordService(EtcdClient etcd, EtcdLayout layout) : EpochCoordinatorService(Roles.RootCoord, etcd, layout);
