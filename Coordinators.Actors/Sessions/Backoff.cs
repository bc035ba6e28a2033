namespace Coordinators.Actors.Sessions;

/// <summary>Exponential backoff with jitter, as Akka's BackoffSupervisor computes it (it keeps its calculator private).</summary>
internal static class Backoff
{
    /// <summary>
    /// <paramref name="min"/> · 2^<paramref name="failures"/>, capped at <paramref name="max"/>, then stretched by up to
    /// <paramref name="randomFactor"/> of itself using <paramref name="random"/> (0..1).
    /// </summary>
    public static TimeSpan Delay(int failures, TimeSpan min, TimeSpan max, double randomFactor, double random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(failures);
        var exponential = failures >= 30 ? max.TotalMilliseconds : min.TotalMilliseconds * Math.Pow(2, failures);
        var capped = Math.Min(max.TotalMilliseconds, exponential);
        return TimeSpan.FromMilliseconds(capped * (1 + (randomFactor * random)));
    }
}
