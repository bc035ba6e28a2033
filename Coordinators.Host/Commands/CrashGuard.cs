using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Coordinators.Actors.Config;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;
using Coordinators.Actors.Sessions;
using Microsoft.Extensions.Logging;

namespace Coordinators.Host.Commands;

/// <summary>
/// <c>run --crash-guard</c> / <c>standalone --crash-guard</c>: this process starts the real one as its child and stays
/// as a small guard. When the kernel reports the child dead (waitpid, through <see cref="Process.WaitForExitAsync(CancellationToken)"/>)
/// with anything but exit code 0, the guard revokes the leases the child reported, so the standbys queued behind them
/// take over now instead of one TTL later, then restarts it (<see cref="RestartPolicy.OnFailure"/>) or exits with its
/// code. SIGTERM and SIGINT are passed to the child (a clean stop resigns as usual) and the guard exits with the child's
/// code. A guard killed by SIGKILL takes its child along: the child's stdin is a pipe the guard holds, and the child
/// runs with <c>--stop-on-stdin-eof</c>. Prints <c>GUARD pid=.. child=.. event=started|exited ...</c> lines.
/// </summary>
internal sealed class CrashGuard
{
    private static readonly TimeSpan MinRestartDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(10);
    // A child that ran this long was not crash-looping: the next restart starts from the shortest delay again.
    private static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(30);

    private readonly IReadOnlyList<string> _arguments;
    private readonly RestartPolicy _restart;
    private readonly TextWriter _output;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    // The running child, null between runs; guarded by _gate.
    private GuardedChild? _child;
    // Set once by the first stop request and never cleared: no child is started after it; guarded by _gate.
    private bool _stopping;
    // Completes on the first stop request, ending a restart delay early.
    private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CrashGuard(IReadOnlyList<string> arguments, RestartPolicy restart, TextWriter output, ILogger logger)
    {
        _arguments = arguments;
        _restart = restart;
        _output = output;
        _logger = logger;
    }

    /// <summary>The restart delay after <paramref name="failures"/> short-lived children in a row: 100 ms doubling to 10 s.</summary>
    public static TimeSpan RestartDelay(int failures) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxRestartDelay.TotalMilliseconds, MinRestartDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 30))));

    /// <summary>Guards children running this process's own command line (minus nothing: the child ignores the guard switches).</summary>
    public static async Task<int> RunAsync(CoordinatorsOptions options, RestartPolicy restart, bool stopOnStdinEof, TextWriter output, ILoggerFactory loggerFactory)
    {
        var guard = new CrashGuard(Environment.GetCommandLineArgs()[1..], restart, output, loggerFactory.CreateLogger("Coordinators.CrashGuard"));
        using var etcd = EtcdClientFactory.Create(options, loggerFactory);
        using var signals = new StopSignals(signal => guard.RequestStop(signal == PosixSignal.SIGINT ? UnixSignal.SIGINT : UnixSignal.SIGTERM));
        if (stopOnStdinEof)
        {
            StdinEofWatch.Start(_ => guard.RequestStop(UnixSignal.SIGTERM));
        }
        using var stopWarming = new CancellationTokenSource();
        var warm = LeaseRevoker.KeepWarmAsync(etcd, new EtcdLayout(options.Root).ServerIdCounter, guard._logger, stopWarming.Token);
        try
        {
            return await guard.GuardAsync(etcd).ConfigureAwait(false);
        }
        finally
        {
            await stopWarming.CancelAsync().ConfigureAwait(false);
            await warm.ConfigureAwait(false);
        }
    }

    private void RequestStop(UnixSignal signal)
    {
        lock (_gate)
        {
            _stopping = true;
            if (_child is { HasExited: false } child)
            {
                CrashGuardLog.StopForwarded(_logger, signal.ToString(), child.Pid);
                child.Signal(signal);
            }
        }
        _stopRequested.TrySetResult();
    }

    private async Task<int> GuardAsync(EtcdClient etcd)
    {
        var (fileName, prefix) = HostExecutable.Self();
        var failures = 0;
        while (true)
        {
            GuardedChild child;
            lock (_gate)
            {
                if (_stopping)
                {
                    return Exit(ExitCodes.Ok, "stop requested while no child ran");
                }
                try
                {
                    child = GuardedChild.Start(fileName, prefix, _arguments, _logger);
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    CrashGuardLog.StartFailed(_logger, e.Message);
                    return Exit(ExitCodes.StartFailed, "the child could not be started");
                }
                _child = child;
            }
            await using (child.ConfigureAwait(false))
            {
                CrashGuardLog.ChildStarted(_logger, Environment.ProcessId, child.Pid, _restart == RestartPolicy.Never ? "never" : "on-failure");
                Print($"event=started child={child.Pid}");
                var (code, leases) = await child.WaitForExitAsync().ConfigureAwait(false);
                var confirmed = Stopwatch.GetTimestamp();
                var lived = Stopwatch.GetElapsedTime(child.StartedAt, confirmed);
                lock (_gate)
                {
                    _child = null;
                }
                if (code == ExitCodes.Ok)
                {
                    CrashGuardLog.ChildStopped(_logger, child.Pid, CrashGuardSwitches.DescribeExit(code));
                    Print($"event=exited child={child.Pid} code=0 revoked=0");
                    return Exit(ExitCodes.Ok, "the child stopped cleanly");
                }
                CrashGuardLog.ChildDied(_logger, child.Pid, CrashGuardSwitches.DescribeExit(code), lived.TotalMilliseconds, leases.Count);
                var revoked = await LeaseRevoker.RevokeAllAsync(etcd, leases, confirmed, _logger).ConfigureAwait(false);
                var signal = CrashGuardSwitches.SignalOf(code) is { } s ? " signal=" + s : string.Empty;
                Print(string.Create(CultureInfo.InvariantCulture,
                    $"event=exited child={child.Pid} code={code}{signal} revoked={revoked} revokeMs={Stopwatch.GetElapsedTime(confirmed).TotalMilliseconds:F1}"));
                bool stopping;
                lock (_gate)
                {
                    stopping = _stopping;
                }
                if (stopping || _restart == RestartPolicy.Never)
                {
                    return Exit(code, stopping ? "the child died while stopping" : "restart policy never");
                }
                if (code == ExitCodes.BadConfiguration)
                {
                    return Exit(code, "the child rejected its configuration; restarting cannot help");
                }
                failures = lived >= StableAfter ? 0 : failures;
                var delay = RestartDelay(failures++);
                CrashGuardLog.Restarting(_logger, delay.TotalMilliseconds, failures);
                using var wait = new CancellationTokenSource();
                await Task.WhenAny(Task.Delay(delay, wait.Token), _stopRequested.Task).ConfigureAwait(false);
                await wait.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    private int Exit(int code, string reason)
    {
        CrashGuardLog.Exiting(_logger, code, reason);
        return code;
    }

    private void Print(string fields) => _output.WriteLine($"GUARD pid={Environment.ProcessId} {fields}");
}
