using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Sessions;

/// <summary>Log events of <see cref="SessionActor"/> (event ids 5200-5299).</summary>
internal static partial class SessionLog
{
    [LoggerMessage(5200, LogLevel.Information, "session {Role}-{ServerId} established: lease {LeaseId:x}, TTL {TtlSeconds}s, in {Ms:F1} ms")]
    public static partial void Established(ILogger logger, string role, long serverId, long leaseId, double ttlSeconds, double ms);

    [LoggerMessage(5201, LogLevel.Warning, "session {Role}-{ServerId} (lease {LeaseId:x}) lost: {Reason}")]
    public static partial void Lost(ILogger logger, string role, long serverId, long leaseId, string reason);

    [LoggerMessage(5202, LogLevel.Warning, "{Role}: building a session failed (attempt {Attempt}): {Error}; retrying in {DelayMs:F0} ms")]
    public static partial void BuildFailed(ILogger logger, string role, int attempt, string error, double delayMs);

    [LoggerMessage(5203, LogLevel.Information, "session {Role}-{ServerId} closed: lease {LeaseId:x} revoked in {Ms:F1} ms")]
    public static partial void Closed(ILogger logger, string role, long serverId, long leaseId, double ms);

    [LoggerMessage(5204, LogLevel.Information, "session {Role}-{ServerId}: abandoned lease {LeaseId:x} revoked (attempt {Attempt}, {Ms:F0} ms after the loss)")]
    public static partial void AbandonedRevoked(ILogger logger, string role, long serverId, long leaseId, int attempt, double ms);

    [LoggerMessage(5205, LogLevel.Information, "session {Role}-{ServerId}: abandoned lease {LeaseId:x} was already gone (attempt {Attempt}, {Ms:F0} ms after the loss)")]
    public static partial void AbandonedAlreadyGone(ILogger logger, string role, long serverId, long leaseId, int attempt, double ms);

    [LoggerMessage(5206, LogLevel.Debug, "session {Role}-{ServerId}: revoking abandoned lease {LeaseId:x} failed (attempt {Attempt}): {Error}; retrying in {DelayMs:F0} ms")]
    public static partial void AbandonedRevokeFailed(ILogger logger, string role, long serverId, long leaseId, int attempt, string error, double delayMs);

    [LoggerMessage(5207, LogLevel.Warning, "session {Role}-{ServerId}: gave up revoking abandoned lease {LeaseId:x} after {Attempt} attempts ({Error}); etcd expires it after its TTL")]
    public static partial void AbandonedRevokeGaveUp(ILogger logger, string role, long serverId, long leaseId, int attempt, string error);

    [LoggerMessage(5208, LogLevel.Warning, "session {Role}-{ServerId}: closing lease {LeaseId:x} failed: {Error}; etcd expires it after its TTL")]
    public static partial void CloseFailed(ILogger logger, string role, long serverId, long leaseId, string error);

    [LoggerMessage(5209, LogLevel.Warning, "{Role}: {Child} did not resign within {TimeoutMs:F0} ms")]
    public static partial void ResignTimedOut(ILogger logger, string role, string child, double timeoutMs);

    [LoggerMessage(5210, LogLevel.Information, "session {Role}-{ServerId}: the watch of its key ended without a DELETE ({Why}); the key is still held, watching from {Revision}")]
    public static partial void OwnKeyWatchResumed(ILogger logger, string role, long serverId, string why, long revision);
}
