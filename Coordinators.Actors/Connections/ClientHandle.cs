using Coordinators.Actors.Components;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Connections;

/// <summary>
/// An immutable snapshot of one discovered peer, published by its ClientActor into the registry. Callers read
/// handles without touching an actor; a new state publishes a new handle. <see cref="Client"/> is usable while
/// <see cref="State"/> is <see cref="ClientState.Online"/>; its calls abort with Unavailable once the session
/// is deleted (<see cref="Lifetime"/> is cancelled).
/// </summary>
public sealed record ClientHandle
{
    /// <summary>The etcd key the session was read from (a process key, or a coordinator's active key).</summary>
    public required string Key { get; init; }

    /// <summary>The dependency role it was discovered under.</summary>
    public required string Role { get; init; }

    /// <summary>The session as read from etcd.</summary>
    public required SessionInfo Session { get; init; }

    /// <summary>Connecting, Online, Offline or Stopped.</summary>
    public required ClientState State { get; init; }

    /// <summary>The component's own state code from the last successful GetComponentStates (Initializing before).</summary>
    public StateCode ComponentState { get; init; }

    /// <summary>Round trip of the last successful connect probe.</summary>
    public TimeSpan? ConnectRoundTrip { get; init; }

    /// <summary>Why the client is Offline (the last connect error), or null.</summary>
    public string? LastError { get; init; }

    /// <summary>The client calls go through; bound to <see cref="ServerId"/>.</summary>
    public required IComponentClient Client { get; init; }

    /// <summary>Cancelled when the session is deleted or the client stops.</summary>
    public CancellationToken Lifetime { get; init; }

    /// <summary>The process's ServerID.</summary>
    public long ServerId => Session.ServerId;

    /// <summary>host:port of the process.</summary>
    public string Address => Session.Address;

    /// <summary>Election term of a coordinator's active key; 0 for process sessions.</summary>
    public long Term => Session.Term;

    /// <summary>True when calls may go through.</summary>
    public bool IsOnline => State == ClientState.Online;
}

/// <summary>What happened to a client, as streamed by <see cref="ConnectionManager.WatchClients"/>.</summary>
public enum ClientEventKind
{
    /// <summary>The client connected and calls go through.</summary>
    Online,
    /// <summary>The client is no longer usable (connect exhausted, node not match, or the session left).</summary>
    Offline,
}

/// <summary>One Online/Offline transition of a dependency's client.</summary>
public sealed record ClientEvent(ClientEventKind Kind, string Role, long ServerId, string Address, string Reason);
