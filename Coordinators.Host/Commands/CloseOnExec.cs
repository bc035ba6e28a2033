using System.Runtime.InteropServices;

namespace Coordinators.Host.Commands;

/// <summary>fcntl(2) FD_CLOEXEC for the crash guard's lease pipe: only the one child a pipe is meant for may inherit it.</summary>
internal static class CloseOnExec
{
    private const int F_SETFD = 2;
    private const int FD_CLOEXEC = 1;

    /// <summary>Marks <paramref name="fd"/> close-on-exec; throws naming the descriptor and errno when fcntl fails.</summary>
    public static void Set(SafeHandle fd)
    {
        ArgumentNullException.ThrowIfNull(fd);
        var added = false;
        fd.DangerousAddRef(ref added);
        try
        {
            if (fcntl((int)fd.DangerousGetHandle(), F_SETFD, FD_CLOEXEC) != 0)
            {
                throw new IOException($"fcntl({fd.DangerousGetHandle()}, F_SETFD, FD_CLOEXEC) failed with errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            if (added)
            {
                fd.DangerousRelease();
            }
        }
    }

#pragma warning disable SYSLIB1054, CA5392 // a blittable libc call, as in UnixSignals
    [DllImport("libc", SetLastError = true)]
    private static extern int fcntl(int fd, int cmd, int arg);
#pragma warning restore SYSLIB1054, CA5392
}
