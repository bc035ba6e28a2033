using System.Globalization;
using System.IO.Pipes;
using System.Text;
using Coordinators.Actors.Model;
using Microsoft.Extensions.Logging;

namespace Coordinators.Host.Commands;

/// <summary>
/// The guarded child's end of the lease pipe: one line <c>lease role=R serverId=S lease=L</c> per granted lease,
/// written and flushed before the session key goes on the lease. A line is far below PIPE_BUF, so each write is
/// atomic, and it sits in the kernel's pipe buffer even if this process dies the next instant: the guard reads it
/// after the death.
/// </summary>
internal sealed class CrashGuardChild : ICrashGuardLink, IDisposable
{
    // Write end of the pipe; writes are serialised by _gate (standalone's roles report concurrently).
    private readonly AnonymousPipeClientStream _pipe;
    private readonly object _gate = new();
    private readonly ILogger _logger;
    // Set once a write failed: the guard is gone, later leases end by their TTL; reported once.
    private bool _broken;

    private CrashGuardChild(AnonymousPipeClientStream pipe, int guardPid, ILogger logger)
    {
        _pipe = pipe;
        GuardPid = guardPid;
        _logger = logger;
    }

    /// <inheritdoc />
    public int GuardPid { get; }

    /// <summary>Opens the inherited write end <paramref name="fd"/> and keeps it from this process's own children (etcd).</summary>
    public static CrashGuardChild Open(int fd, int guardPid, ILogger logger)
    {
        var pipe = new AnonymousPipeClientStream(PipeDirection.Out, fd.ToString(CultureInfo.InvariantCulture));
        try
        {
            // A grandchild holding the write end would delay the EOF the guard waits for after this process died.
            CloseOnExec.Set(pipe.SafePipeHandle);
        }
        catch
        {
            pipe.Dispose();
            throw;
        }
        return new CrashGuardChild(pipe, guardPid, logger);
    }

    /// <summary>The line for one lease, as <see cref="CrashGuard"/> parses it.</summary>
    public static string Line(string role, long serverId, long leaseId) =>
        string.Create(CultureInfo.InvariantCulture, $"lease role={role} serverId={serverId} lease={leaseId}\n");

    /// <inheritdoc />
    public void LeaseGranted(string role, long serverId, long leaseId)
    {
        var bytes = Encoding.ASCII.GetBytes(Line(role, serverId, leaseId));
        lock (_gate)
        {
            if (_broken)
            {
                return;
            }
            try
            {
                _pipe.Write(bytes);
                _pipe.Flush();
            }
            catch (IOException e)
            {
                _broken = true;
                CrashGuardLog.GuardUnreachable(_logger, GuardPid, leaseId, e.Message);
            }
        }
    }

    public void Dispose() => _pipe.Dispose();
}
