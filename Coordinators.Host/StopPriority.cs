using System.Runtime.InteropServices;

namespace Coordinators.Host;

/// <summary>
/// A coordinator whose resign has committed steps back on the CPU. Its standby's takeover starts then (campaign, service
/// start, active-key publish, and etcd's writes for them) beside this process's own shutdown (lease revoke, servers,
/// the actor system, the exit); on a small machine those share the cores. So every thread of this process drops to
/// nice 19 (threads started later inherit it from their creator): `bench failover` measured the SIGTERM takeover
/// 27.5-32.0 -> 23.6-27.1 ms median (4 sittings), nice 10 changed nothing measurable. Done after the resign, not at
/// the signal, so the resign Txn itself never waits behind other work; what waits is housekeeping, which an
/// unprivileged process cannot speed up again (it cannot lower its nice value back).
/// </summary>
internal static class StopPriority
{
    private const int PrioProcess = 0;
    /// <summary>The nice value a stopping coordinator takes.</summary>
    public const int Nice = 19;

    /// <summary>Lowers every thread of this process (Linux: /proc/self/task); returns how many were lowered.</summary>
    public static int Lower()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }
        var lowered = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            // Linux applies a nice value per thread (a PRIO_PROCESS "who" is a thread id), so each is set on its own; a
            // thread that ended in between fails with ESRCH and is skipped.
            if (int.TryParse(Path.GetFileName(task), out var tid) && setpriority(PrioProcess, tid, Nice) == 0)
            {
                lowered++;
            }
        }
        return lowered;
    }

#pragma warning disable SYSLIB1054, CA5392 // a blittable libc call; LibraryImport would need unsafe blocks in the host
    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int prio);
#pragma warning restore SYSLIB1054, CA5392
}
