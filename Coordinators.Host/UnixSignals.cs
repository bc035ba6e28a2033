using System.Runtime.InteropServices;

namespace Coordinators.Host;

/// <summary>The Linux signals the demo, the benchmarks' helpers and the tests send to processes they started.</summary>
internal enum UnixSignal
{
    SIGINT = 2,
    SIGUSR1 = 10,
    SIGKILL = 9,
    SIGTERM = 15,
    SIGCONT = 18,
    SIGSTOP = 19,
}

/// <summary>kill(2) for signals .NET's Process cannot send (SIGTERM, SIGSTOP, SIGCONT).</summary>
internal static class UnixSignals
{
    /// <summary>Sends a signal; returns false when the process no longer exists.</summary>
    public static bool Send(int pid, UnixSignal signal) => kill(pid, (int)signal) == 0;

    /// <summary>Sends a signal; throws naming the pid, the signal and errno when kill(2) fails.</summary>
    public static void SendOrThrow(int pid, UnixSignal signal)
    {
        if (kill(pid, (int)signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>True when a process with this id exists (zombies included), as kill(pid, 0) says.</summary>
    public static bool Exists(int pid) => kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() == 1; // EPERM: exists, not ours

#pragma warning disable SYSLIB1054, CA5392 // a blittable libc call; LibraryImport would need unsafe blocks in the host
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
#pragma warning restore SYSLIB1054, CA5392
}
