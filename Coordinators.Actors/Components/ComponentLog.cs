using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Components;

/// <summary>Log events of <see cref="ComponentHost"/> (event ids 5100-5199).</summary>
internal static partial class ComponentLog
{
    [LoggerMessage(5100, LogLevel.Information, "{Role}: stage {Stage} ({Order}) started in {Ms:F1} ms")]
    public static partial void StageStarted(ILogger logger, string role, string stage, int order, double ms);

    [LoggerMessage(5101, LogLevel.Error, "{Role}: stage {Stage} ({Order}) failed to start: {Error}")]
    public static partial void StageStartFailed(ILogger logger, string role, string stage, int order, string error, Exception exception);

    [LoggerMessage(5102, LogLevel.Information, "{Role}: stage {Stage} ({Order}) stopped in {Ms:F1} ms")]
    public static partial void StageStopped(ILogger logger, string role, string stage, int order, double ms);

    [LoggerMessage(5103, LogLevel.Error, "{Role}: stage {Stage} ({Order}) failed to stop: {Error}")]
    public static partial void StageStopFailed(ILogger logger, string role, string stage, int order, string error, Exception exception);

    [LoggerMessage(5104, LogLevel.Information, "{Role} server {ServerId}: state {From} -> {To} term {Term} ({Reason})")]
    public static partial void StateChanged(ILogger logger, string role, long serverId, StateCode from, StateCode to, long term, string reason);

    [LoggerMessage(5105, LogLevel.Warning, "{Role}: stop requested with exit code {ExitCode}: {Reason}")]
    public static partial void StopRequested(ILogger logger, string role, int exitCode, string reason);
}
