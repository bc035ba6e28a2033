using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Election;

/// <summary>Log events of the election (event ids 5300-5399). Every transition is one line.</summary>
internal static partial class ElectionLog
{
    [LoggerMessage(5300, LogLevel.Information, "election {Role} server {ServerId} term {Term}: {From} -> {To} ({Why}) in {Ms:F1} ms")]
    public static partial void Transition(ILogger logger, string role, long serverId, long term, CoordinatorPhase from, CoordinatorPhase to, string why, double ms);

    [LoggerMessage(5301, LogLevel.Warning, "election {Role} server {ServerId}: {What} failed: {Error}")]
    public static partial void Failed(ILogger logger, string role, long serverId, string what, string error);

    [LoggerMessage(5302, LogLevel.Information, "election {Role} server {ServerId} term {Term}: the candidate key's watch ended without a DELETE ({Why}); the key is still held, watching from {Revision}")]
    public static partial void CandidateWatchResumed(ILogger logger, string role, long serverId, long term, string why, long revision);
}
