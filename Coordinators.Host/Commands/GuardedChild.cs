using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;
using Microsoft.Extensions.Logging;

namespace Coordinators.Host.Commands;

/// <summary>One lease a guarded child reported.</summary>
internal sealed record ReportedLease(string Role, long ServerId, long LeaseId);

/// <summary>
/// One run of the guarded child: the process (stdin a pipe from the guard, stdout and stderr inherited) and the read
/// end of its lease pipe, read line by line into the latest lease per role.
/// </summary>
internal sealed class GuardedChild : IAsyncDisposable
{
    // How long after the death the guard waits for the pipe's EOF (immediate unless another process holds the write end).
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(1);

    private readonly Process _process;
    private readonly AnonymousPipeServerStream _pipe;
    private readonly ILogger _logger;
    // The latest lease of each role; guarded by itself.
    private readonly Dictionary<string, ReportedLease> _leases = new(StringComparer.Ordinal);
    // Reads the pipe to its end; owned here, awaited on dispose.
    private readonly Task _reader;

    private GuardedChild(Process process, AnonymousPipeServerStream pipe, ILogger logger)
    {
        _process = process;
        _pipe = pipe;
        _logger = logger;
        StartedAt = Stopwatch.GetTimestamp();
        _reader = ReadAsync();
    }

    public int Pid => _process.Id;

    /// <summary>Monotonic start time.</summary>
    public long StartedAt { get; }

    /// <summary>True once the kernel reported the child's exit (and .NET reaped it).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/> plus the switches naming the lease pipe.</summary>
    public static GuardedChild Start(string fileName, IReadOnlyList<string> prefix, IReadOnlyList<string> arguments, ILogger logger)
    {
        // Inheritable: the child gets the write end across exec. The read end is ours alone (close-on-exec).
        var pipe = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.Inheritable);
        try
        {
            CloseOnExec.Set(pipe.SafePipeHandle);
            var info = new ProcessStartInfo(fileName) { UseShellExecute = false, RedirectStandardInput = true };
            foreach (var a in prefix.Concat(CrashGuardSwitches.ChildArguments(arguments, pipe.GetClientHandleAsString(), Environment.ProcessId)))
            {
                info.ArgumentList.Add(a);
            }
            var process = Process.Start(info) ?? throw new InvalidOperationException($"{fileName} did not start");
            // Now only the child holds the write end: its death closes it, and the reader sees EOF.
            pipe.DisposeLocalCopyOfClientHandle();
            return new GuardedChild(process, pipe, logger);
        }
        catch
        {
            pipe.Dispose();
            throw;
        }
    }

    /// <summary>Sends a signal to the child unless it already exited.</summary>
    public void Signal(UnixSignal signal)
    {
        if (!_process.HasExited)
        {
            UnixSignals.Send(_process.Id, signal);
        }
    }

    /// <summary>
    /// Completes with the exit code once the kernel confirmed the death (waitpid), and the leases the child reported,
    /// read to the pipe's end: a lease written just before the death is still in the pipe and read here.
    /// </summary>
    public async Task<(int ExitCode, IReadOnlyList<ReportedLease> Leases)> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        var code = _process.ExitCode;
        using (var drain = new CancellationTokenSource())
        {
            if (await Task.WhenAny(_reader, Task.Delay(DrainTimeout, drain.Token)).ConfigureAwait(false) != _reader)
            {
                CrashGuardLog.PipeStillOpen(_logger, Pid, DrainTimeout.TotalMilliseconds);
            }
            await drain.CancelAsync().ConfigureAwait(false);
        }
        lock (_leases)
        {
            return (code, _leases.Values.ToList());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _pipe.DisposeAsync().ConfigureAwait(false);
        // A reader still blocked in read(2) (another process holds the write end; logged by the drain) is not
        // interrupted by closing the descriptor: it ends when that process closes its end.
        if (_reader.IsCompleted)
        {
            await _reader.ConfigureAwait(false);
        }
        _process.Dispose();
    }

    private async Task ReadAsync()
    {
        try
        {
            using var reader = new StreamReader(_pipe, leaveOpen: true);
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (!TryParse(line, out var lease))
                {
                    CrashGuardLog.BadReport(_logger, Pid, line);
                    continue;
                }
                lock (_leases)
                {
                    _leases[lease.Role] = lease;
                }
                CrashGuardLog.LeaseReported(_logger, Pid, lease.Role, lease.ServerId, lease.LeaseId);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or IOException)
        {
            // Disposed after the child's death (the pipe stayed open past the drain timeout): the leases read so far stand.
        }
    }

    /// <summary>Parses <c>lease role=R serverId=S lease=L</c> as <see cref="CrashGuardChild.Line"/> writes it.</summary>
    public static bool TryParse(string line, out ReportedLease lease)
    {
        lease = null!;
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 4 || parts[0] != "lease")
        {
            return false;
        }
        var fields = parts.Skip(1).Select(p => p.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
        if (fields.TryGetValue("role", out var role) && role.Length > 0
            && fields.TryGetValue("serverId", out var s) && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var serverId)
            && fields.TryGetValue("lease", out var l) && long.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var leaseId))
        {
            lease = new ReportedLease(role, serverId, leaseId);
            return true;
        }
        return false;
    }
}
