namespace Coordinators.Actors.Etcd;

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

    /// <summary>
    /// Waits <paramref name="delay"/> on <paramref name="time"/>'s clock. Unlike <c>Task.Delay(delay, time, ct)</c>, whose
    /// continuations always go to the thread pool, the caller continues where the timer fired or the token was
    /// cancelled: on a pool thread in production, on the simulator's one thread under its clock.
    /// </summary>
    public static Task WaitAsync(TimeSpan delay, TimeProvider time, CancellationToken ct)
    {
        if (ct.IsCancellationRequested)
        {
            return Task.FromCanceled(ct);
        }
        return delay <= TimeSpan.Zero ? Task.CompletedTask : new Waiter(delay, time, ct).Task;
    }

    /// <summary>One wait: completed by its timer or cancelled by its token, whichever comes first; both released then.</summary>
    private sealed class Waiter : TaskCompletionSource
    {
        // Null only while the constructor runs.
        private readonly ITimer? _timer;
        private readonly CancellationTokenRegistration _registration;

        public Waiter(TimeSpan delay, TimeProvider time, CancellationToken ct)
        {
            _timer = time.CreateTimer(static s => ((Waiter)s!).End(null), this, delay, Timeout.InfiniteTimeSpan);
            _registration = ct.Register(static (s, token) => ((Waiter)s!).End(token), this);
            if (Task.IsCompleted)
            {
                // Ended before both were in place.
                Release();
            }
        }

        private void End(CancellationToken? cancelled)
        {
            if (cancelled is { } token ? TrySetCanceled(token) : TrySetResult())
            {
                Release();
            }
        }

        private void Release()
        {
            _timer?.Dispose();
            _registration.Dispose();
        }
    }
}
