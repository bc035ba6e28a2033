namespace Coordinators.Simulation;

/// <summary>
/// Model calls as their callers see them, without an exception thrown per layer (at 100,000 failovers a throw and
/// catch per hop costs more than the simulated call itself). Every continuation here runs inline, on the thread that
/// completes the call: the simulator's.
/// </summary>
internal static class SimTasks
{
    /// <summary>
    /// The call as seen by a caller that can give up on it, as a gRPC call with a cancelled token: the caller's task ends
    /// as cancelled at once, while the request (already on the wire) may still be applied.
    /// </summary>
    public static Task<T> Cancellable<T>(Task<T> call, CancellationToken ct)
    {
        if (!ct.CanBeCanceled || call.IsCompleted)
        {
            return call;
        }
        var outcome = new TaskCompletionSource<T>();
        var registration = ct.Register(() => outcome.TrySetCanceled(ct));
        OnCompleted(call, () =>
        {
            registration.Dispose();
            CopyOutcome(call, outcome);
        });
        return outcome.Task;
    }

    /// <summary>The call's outcome as a value (never faults): its result, its error, or cancelled (the call's or <paramref name="ct"/>).</summary>
    public static Task<Settled<T>> Settle<T>(Task<T> call, CancellationToken ct)
    {
        var outcome = new TaskCompletionSource<Settled<T>>();
        var registration = ct.CanBeCanceled ? ct.Register(() => outcome.TrySetResult(Settled<T>.Cancelled)) : default;
        OnCompleted(call, () =>
        {
            registration.Dispose();
            outcome.TrySetResult(call.IsCompletedSuccessfully ? new Settled<T>(call.Result, null)
                : call.IsCanceled ? Settled<T>.Cancelled
                : new Settled<T>(default, call.Exception!.InnerException));
        });
        return outcome.Task;
    }

    /// <summary>Runs <paramref name="then"/> when <paramref name="task"/> ends (at once when it already has), without awaiting it.</summary>
    public static void OnCompleted(Task task, Action then)
    {
        if (task.IsCompleted)
        {
            then();
            return;
        }
        task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(then);
    }

    /// <summary>Completes <paramref name="outcome"/> as <paramref name="task"/> ended.</summary>
    public static void CopyOutcome<T>(Task<T> task, TaskCompletionSource<T> outcome)
    {
        if (task.IsCompletedSuccessfully)
        {
            outcome.TrySetResult(task.Result);
        }
        else if (task.IsCanceled)
        {
            outcome.TrySetCanceled();
        }
        else
        {
            outcome.TrySetException(task.Exception!.InnerExceptions);
        }
    }
}

/// <summary>How a call ended: <see cref="Value"/>, or <see cref="Error"/>, or neither (cancelled).</summary>
internal readonly record struct Settled<T>(T? Value, Exception? Error)
{
    public static Settled<T> Cancelled => new(default, null) { IsCancelled = true };

    public bool IsCancelled { get; private init; }

    public bool Succeeded => !IsCancelled && Error is null;
}
