namespace Coordinators.Actors.Components;

/// <summary>
/// A component's state code (MEP 2). Calls to a component that is not <see cref="Healthy"/>
/// answer Unavailable naming the state.
/// </summary>
public enum StateCode
{
    /// <summary>Created; the gRPC server may be up but dependencies and session are not ready.</summary>
    Initializing = 0,
    /// <summary>Serving: a node that registered, or a coordinator primary that published its active key.</summary>
    Healthy = 1,
    /// <summary>Something it needs failed; it answers nothing but its state.</summary>
    Abnormal = 2,
    /// <summary>A coordinator standby queued in the election.</summary>
    StandBy = 3,
    /// <summary>Stopping; it serves nothing new.</summary>
    Stopping = 4,
}
