using Microsoft.Extensions.Logging;

namespace Coordinators.Host.Commands;

/// <summary>The crash guard's log events (the guard's and its child's side).</summary>
internal static partial class CrashGuardLog
{
    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "crash guard {GuardPid}: started child {ChildPid} ({Restart} restart policy)")]
    public static partial void ChildStarted(ILogger logger, int guardPid, int childPid, string restart);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "child {ChildPid}: lease {LeaseId:x} granted to {Role} (serverId {ServerId}); revoked here if the child dies")]
    public static partial void LeaseReported(ILogger logger, int childPid, string role, long serverId, long leaseId);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "child {ChildPid}: unreadable lease report '{Line}' ignored")]
    public static partial void BadReport(ILogger logger, int childPid, string line);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Information, Message = "child {ChildPid} stopped cleanly: {Exit}")]
    public static partial void ChildStopped(ILogger logger, int childPid, string exit);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Warning, Message = "child {ChildPid} died: {Exit} after {LivedMs:F0} ms; revoking its {Count} lease(s)")]
    public static partial void ChildDied(ILogger logger, int childPid, string exit, double livedMs, int count);

    [LoggerMessage(EventId = 1405, Level = LogLevel.Warning, Message = "revoked lease {LeaseId:x} of {Role} (serverId {ServerId}) {Ms:F1} ms after the child's death was confirmed (attempt {Attempt})")]
    public static partial void LeaseRevoked(ILogger logger, long leaseId, string role, long serverId, double ms, int attempt);

    [LoggerMessage(EventId = 1406, Level = LogLevel.Information, Message = "lease {LeaseId:x} of {Role} (serverId {ServerId}) was already gone")]
    public static partial void LeaseAlreadyGone(ILogger logger, long leaseId, string role, long serverId);

    [LoggerMessage(EventId = 1407, Level = LogLevel.Warning, Message = "revoking lease {LeaseId:x} of {Role}: attempt {Attempt} failed ({Error}); next in {DelayMs:F0} ms")]
    public static partial void RevokeRetry(ILogger logger, long leaseId, string role, int attempt, string error, double delayMs);

    [LoggerMessage(EventId = 1408, Level = LogLevel.Error, Message = "could not revoke lease {LeaseId:x} of {Role} in {Attempts} attempts ({Error}); it ends by its TTL")]
    public static partial void RevokeFailed(ILogger logger, long leaseId, string role, int attempts, string error);

    [LoggerMessage(EventId = 1409, Level = LogLevel.Information, Message = "restarting the child in {DelayMs:F0} ms ({Failures} failure(s) in a row)")]
    public static partial void Restarting(ILogger logger, double delayMs, int failures);

    [LoggerMessage(EventId = 1410, Level = LogLevel.Information, Message = "crash guard exits with code {Code}: {Reason}")]
    public static partial void Exiting(ILogger logger, int code, string reason);

    [LoggerMessage(EventId = 1411, Level = LogLevel.Information, Message = "{Signal} received: passed to child {ChildPid}")]
    public static partial void StopForwarded(ILogger logger, string signal, int childPid);

    [LoggerMessage(EventId = 1412, Level = LogLevel.Warning, Message = "child {ChildPid} is dead but its lease pipe is still open after {WaitMs:F0} ms (another process holds it); using the leases read so far")]
    public static partial void PipeStillOpen(ILogger logger, int childPid, double waitMs);

    [LoggerMessage(EventId = 1413, Level = LogLevel.Warning, Message = "crash guard {GuardPid} cannot be told lease {LeaseId:x} ({Error}): it will end by its TTL if this process dies")]
    public static partial void GuardUnreachable(ILogger logger, int guardPid, long leaseId, string error);

    [LoggerMessage(EventId = 1414, Level = LogLevel.Debug, Message = "warming the guard's etcd connection failed: {Error}")]
    public static partial void WarmUpFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1415, Level = LogLevel.Error, Message = "crash guard could not start the child: {Error}")]
    public static partial void StartFailed(ILogger logger, string error);
}
