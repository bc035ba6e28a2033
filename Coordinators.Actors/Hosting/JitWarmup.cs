using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Hosting;

/// <summary>
/// Compiles every method of this library once, on a background thread, shortly after the process is ready
/// (<c>election.warm-jit</c>, on by default for coordinators). A takeover and a resign each run once in a process's
/// life, so without it their whole path — the stop stages, the session's shutdown, the resign and the service's start
/// — is JIT-compiled on the failover's clock (measured: 2-18 ms from the stop to the resign Txn, 4 ms into the service's
/// start). About 3,600 methods, ~350 ms of one core, cancelled at once when the process stops.
/// </summary>
internal static class JitWarmup
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Waits <paramref name="delay"/> (the start-up's own tail), then compiles; returns when done or cancelled.</summary>
    public static async Task RunAsync(Assembly assembly, TimeSpan delay, ILogger logger, string role, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            var (methods, failed, took) = await Task.Factory.StartNew(() => Compile(assembly, cancellationToken), cancellationToken,
                TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
            RuntimeLog.JitWarmedUp(logger, role, methods, failed, took.TotalMilliseconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The process is stopping: what is compiled stays compiled, the rest is not needed any more.
        }
    }

    /// <summary>Compiles every non-generic method with a body; counts those the runtime refused.</summary>
    internal static (int Methods, int Failed, TimeSpan Took) Compile(Assembly assembly, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        int methods = 0, failed = 0;
        foreach (var type in assembly.GetTypes().Where(t => !t.ContainsGenericParameters))
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var method in type.GetMethods(Declared).Where(m => !m.IsAbstract && !m.ContainsGenericParameters && m.GetMethodBody() is not null))
            {
                try
                {
                    RuntimeHelpers.PrepareMethod(method.MethodHandle);
                    methods++;
                }
                catch (Exception e) when (e is ArgumentException or NotSupportedException or TypeLoadException or BadImageFormatException)
                {
                    // A method the JIT cannot prepare ahead of its first call: it is compiled then, as without the warm-up.
                    failed++;
                }
            }
        }
        return (methods, failed, Stopwatch.GetElapsedTime(started));
    }
}
