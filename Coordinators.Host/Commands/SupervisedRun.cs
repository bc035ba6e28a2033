namespace Coordinators.Host.Commands;

/// <summary>
/// How a command that owns child processes (demo, chaos) runs its body: SIGINT / SIGTERM cancel the body's token
/// instead of ending the process at once (which would orphan every child), and should Main return while the body
/// still runs (an exception elsewhere), the process-exit hook waits up to 20 s for the clean stop, then calls
/// <paramref name="killEverything"/> as a last resort.
/// </summary>
internal static class SupervisedRun
{
    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> body, Action killEverything, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var signals = new StopSignals(_ => stop.Cancel());
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        EventHandler onExit = (_, _) =>
        {
            if (!finished.Task.Wait(TimeSpan.FromSeconds(20)))
            {
                killEverything();
            }
        };
        AppDomain.CurrentDomain.ProcessExit += onExit;
        try
        {
            return await body(stop.Token).ConfigureAwait(false);
        }
        finally
        {
            finished.TrySetResult();
            AppDomain.CurrentDomain.ProcessExit -= onExit;
        }
    }
}
