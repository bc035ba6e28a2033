using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Connections;

/// <summary>Log messages of the ConnectionManager with stable event ids (3000-3099).</summary>
internal static partial class ConnectionsLog
{
    [LoggerMessage(3000, LogLevel.Information, "{Role} server {ServerId} at {Address} online after {Attempt} attempt(s), {RoundTripMs:0.0} ms")]
    public static partial void Online(ILogger logger, string role, long serverId, string address, int attempt, double roundTripMs);

    [LoggerMessage(3001, LogLevel.Debug, "{Role} server {ServerId} at {Address}: connect attempt {Attempt} failed ({Error}); retrying in {BackoffMs} ms")]
    public static partial void ConnectRetry(ILogger logger, string role, long serverId, string address, int attempt, string error, double backoffMs);

    [LoggerMessage(3002, LogLevel.Warning, "{Role} server {ServerId} at {Address} offline: {Reason}")]
    public static partial void Offline(ILogger logger, string role, long serverId, string address, string reason);

    [LoggerMessage(3003, LogLevel.Warning, "skipping session {Key}: {Error}")]
    public static partial void MalformedSession(ILogger logger, string key, string error);

    [LoggerMessage(3004, LogLevel.Information, "{Key} deleted: server {ServerId} left")]
    public static partial void SessionLeft(ILogger logger, string key, long serverId);

    [LoggerMessage(3005, LogLevel.Warning, "watch of {Role} sessions failed ({Error}); ranging again")]
    public static partial void WatchFailed(ILogger logger, string role, string error);

    [LoggerMessage(3010, LogLevel.Warning, "re-reading {Key} after a node-not-match of server {ServerId} failed: {Error}")]
    public static partial void ReresolveFailed(ILogger logger, string key, long serverId, string error);

    [LoggerMessage(3007, LogLevel.Information, "{Role} server {ServerId} at {Address} answers again: online")]
    public static partial void Reachable(ILogger logger, string role, long serverId, string address);

    [LoggerMessage(3006, LogLevel.Information, "node not match on {Key} (server {ServerId}); re-reading the key")]
    public static partial void Reresolving(ILogger logger, string key, long serverId);
}
