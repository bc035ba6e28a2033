using System.Diagnostics;

namespace Coordinators.Host.Demo;

/// <summary>
/// Waits for a condition on what the demo and chaos observe without an event to await (the state sampler's answers, the
/// workload's records): re-checks every 50 ms, the sampler's own period. One loop for every such wait.
/// </summary>
internal static class Poll
{
    /// <summary>How often a condition is checked again.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(50);

    /// <summary>True once <paramref name="condition"/> holds; false when it still does not after <paramref name="timeout"/>.</summary>
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Period);
        var started = Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                return false;
            }
            await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        return true;
    }
}
