namespace Coordinators.Actors.Components;

/// <summary>
/// One immutable, versioned view of a component's state, as <see cref="ComponentHost.WatchStates"/> publishes it
/// and <c>GetComponentStates</c> answers.
/// </summary>
/// <param name="Version">Increases by one with every change.</param>
/// <param name="Role">The component's role.</param>
/// <param name="ServerId">The ServerID of the current session; 0 while there is none.</param>
/// <param name="State">The state code.</param>
/// <param name="Term">Election term while a coordinator is primary; 0 otherwise.</param>
/// <param name="Address">host:port of the gRPC server; empty until it listens.</param>
/// <param name="Reason">Why the last change happened, for logs.</param>
public sealed record ComponentStateSnapshot(long Version, string Role, long ServerId, StateCode State, long Term, string Address, string Reason);
