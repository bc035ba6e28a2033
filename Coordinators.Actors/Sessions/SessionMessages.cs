using Akka;
using Akka.Actor;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Sessions;

/// <summary>Told to the session's children and subscribers when a new session is registered.</summary>
/// <param name="Session">The registered session (ServerID, lease, address ...).</param>
/// <param name="Revision">The etcd revision at which the session key was written.</param>
public sealed record SessionEstablished(SessionInfo Session, long Revision);

/// <summary>Told to the session's children and subscribers when the session is gone; a new one follows with backoff.</summary>
/// <param name="ServerId">The ServerID of the lost session.</param>
/// <param name="LeaseId">Its lease.</param>
/// <param name="Reason">Why it is considered lost.</param>
public sealed record SessionLost(long ServerId, long LeaseId, string Reason);

/// <summary>Asks the session to stop cleanly: children resign, the lease is revoked; the reply is <see cref="Done"/>.</summary>
public sealed record ShutdownSession
{
    /// <summary>The only instance.</summary>
    public static readonly ShutdownSession Instance = new();
}

/// <summary>Asks a coordinator child to resign (stop serving, delete its keys); the reply is <see cref="Done"/>.</summary>
public sealed record Resign
{
    /// <summary>The only instance.</summary>
    public static readonly Resign Instance = new();
}

/// <summary>Subscribes an actor to <see cref="SessionEstablished"/> and <see cref="SessionLost"/>; the current session is told at once.</summary>
public sealed record SubscribeSession(IActorRef Subscriber);

/// <summary>Asks for the current session; the reply is a <see cref="CurrentSession"/>.</summary>
public sealed record GetSession
{
    /// <summary>The only instance.</summary>
    public static readonly GetSession Instance = new();
}

/// <summary>The current session, or null while a new one is being built.</summary>
public sealed record CurrentSession(SessionInfo? Session);

// ---- internal protocol of SessionActor; each carries the generation of the session it belongs to ----

internal sealed record EstablishSession(int Generation);

internal sealed record SessionBuilt(int Generation, SessionInfo Session, long Revision, ISessionKeepAlive KeepAlive);

internal sealed record SessionBuildFailed(int Generation, Exception Error);

internal sealed record LeaseEnded(int Generation, string Reason);

internal sealed record AckDeadline(int Generation);

internal sealed record OwnKeyDeleted(int Generation);

internal sealed record OwnKeyWatchFailed(int Generation, Exception Error);

internal sealed record ResignTimedOut
{
    public static readonly ResignTimedOut Instance = new();
}

/// <summary>The lease of a clean stop was revoked (or that failed: <see cref="Error"/>); <see cref="StartedAt"/> is monotonic.</summary>
internal sealed record SessionClosed(SessionInfo Session, long StartedAt, Exception? Error);
