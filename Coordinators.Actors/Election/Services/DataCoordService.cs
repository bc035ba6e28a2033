using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Election.Services;

/// <summary>The DataCoord coordinator service (minimal: the fenced epoch counter).</summary>
public sealed class DataCoordService(EtcdClient etcd, EtcdLayout layout) : EpochCoordinatorService(Roles.DataCoord, etcd, layout);
