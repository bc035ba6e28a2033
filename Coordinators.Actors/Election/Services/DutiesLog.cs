using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Election.Services;

/// <summary>Log events of the coordinators' duties (event ids 5400-5449).</summary>
internal static partial class DutiesLog
{
    [LoggerMessage(5400, LogLevel.Warning, "rootcoord term {Term}: the persisted timestamp bound {Bound} ms is {WaitMs} ms ahead of the clock; waiting for the clock before serving")]
    public static partial void WaitingForClock(ILogger logger, long term, long bound, double waitMs);

    [LoggerMessage(5401, LogLevel.Information, "rootcoord term {Term}: serving timestamps above {TsoBound} ms and IDs from {IdBound}")]
    public static partial void RootCoordOpened(ILogger logger, long term, long tsoBound, long idBound);

    [LoggerMessage(5402, LogLevel.Warning, "{What} failed: {Error}")]
    public static partial void Failed(ILogger logger, string what, string error);

    [LoggerMessage(5403, LogLevel.Information, "datacoord term {Term}: serving {Count} segments ({How}) in {Ms:F1} ms")]
    public static partial void DataCoordOpened(ILogger logger, long term, int count, string how, double ms);

    [LoggerMessage(5404, LogLevel.Information, "datacoord replica: loaded {Count} segments at revision {Revision}; watching from {Next}")]
    public static partial void ReplicaLoaded(ILogger logger, int count, long revision, long next);

    [LoggerMessage(5405, LogLevel.Information, "datacoord read {Key} back into the table after a failed write, at attempt {Attempt}")]
    public static partial void ReadBack(ILogger logger, string key, int attempt);
}
