namespace Coordinators.Actors.Connections;

/// <summary>The behaviour a ClientActor is in (MEP 2).</summary>
public enum ClientState
{
    /// <summary>Discovered; connecting in the background (GetComponentStates checking the ServerID).</summary>
    Connecting,
    /// <summary>Connected; calls go through.</summary>
    Online,
    /// <summary>Connect retries exhausted, or the address answered for another ServerID; waits for the next Add event.</summary>
    Offline,
    /// <summary>The session was deleted or the manager stopped; calls in flight were aborted.</summary>
    Stopped,
}
