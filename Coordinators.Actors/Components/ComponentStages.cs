namespace Coordinators.Actors.Components;

/// <summary>
/// The standard orders of <see cref="ComponentHost"/> stages (MEP 2's start-up sequence, Orleans-like).
/// Stages start in ascending order and stop in descending order; leave gaps for stages of your own.
/// </summary>
public static class ComponentStages
{
    /// <summary>The component's gRPC server listens (state Initializing).</summary>
    public const int GrpcServer = 100;

    /// <summary>ConnectionManager dependencies are added (AddDependency for what the component needs).</summary>
    public const int Dependencies = 200;

    /// <summary>The etcd session is established and registered; coordinators join their election.</summary>
    public const int Session = 300;

    /// <summary>The component reports its final start-up state: Healthy for a node, StandBy or Healthy for a coordinator.</summary>
    public const int Ready = 400;
}
