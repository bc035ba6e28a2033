using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Connections.Internal;

/// <summary>Asks the manager to follow a role's sessions; answered with <see cref="Kernel.Done"/> once the first Range is applied.</summary>
internal sealed record AddDependency(string Role, DependencyScope Scope);

/// <summary>A dependency's Range result: the key set at <see cref="Revision"/>; the watch resumes from Revision + 1.</summary>
internal sealed record DependencySnapshot(int DependencyId, IReadOnlyList<KeyValuePair<string, string>> Sessions, long Revision);

/// <summary>A PUT seen by a dependency's watch (an Add event).</summary>
internal sealed record SessionPut(int DependencyId, string Key, string Value, long Revision);

/// <summary>A DELETE seen by a dependency's watch (a Del event).</summary>
internal sealed record SessionDeleted(int DependencyId, string Key, long Revision);

/// <summary>A dependency's watch ended with an error; the manager ranges and watches again.</summary>
internal sealed record DependencyWatchFailed(int DependencyId, Exception Error);

/// <summary>The backoff after a failed dependency watch passed: Range and watch again.</summary>
internal sealed record RestartDependencyWatch(int DependencyId);

/// <summary>Sent by the call path on "node not match": re-read the key and drop or replace the client.</summary>
internal sealed record Reresolve(string Key, long ServerId);

/// <summary>The key as re-read for a <see cref="Reresolve"/>; Value null when it is gone.</summary>
/// <summary>Reading the key for a re-resolve failed: the client is marked stale with etcd's error, not a guess.</summary>
internal sealed record ReresolveFailed(string Key, long ServerId, Exception Error);

internal sealed record ReresolveResult(string Key, long ServerId, string? Value);

/// <summary>Stops every client and watch, then answers Done.</summary>
internal sealed record ShutdownConnections;

/// <summary>A ClientActor published its first handle (so AddDependency can answer with every client visible).</summary>
internal sealed record ClientStarted;

/// <summary>Tells a ClientActor its key was put again (a new Add event): reconnect when Offline.</summary>
internal sealed record SessionReadded(SessionInfo Session);

/// <summary>Tells a ClientActor its session was deleted: abort everything and stop.</summary>
internal sealed record SessionGone(string Reason);

/// <summary>Tells a ClientActor its address serves another process: go Offline until the next Add event.</summary>
internal sealed record MarkStale(string Reason);

/// <summary>The outcome of one connect attempt, stamped with the connect generation.</summary>
internal sealed record ConnectResult(int Generation, int Attempt, ComponentStates? States, Exception? Error, TimeSpan RoundTrip);

/// <summary>Timer message: start connect attempt <see cref="Attempt"/> of <see cref="Generation"/>.</summary>
internal sealed record ConnectRetry(int Generation, int Attempt);

/// <summary>Time to re-check the peer (health-check timer).</summary>
internal sealed record HealthTick
{
    public static readonly HealthTick Instance = new();
}

/// <summary>Outcome of one health check; results of an earlier generation are ignored.</summary>
internal sealed record HealthResult(int Generation, ComponentStates? States, Exception? Error);
