using System.Globalization;
using Coordinators.Tests.Fixtures;

namespace Coordinators.Tests.Host;

/// <summary>
/// A real <c>coordinators run --crash-guard</c>: the guard is the process the test started, the component its child.
/// Every child prints its own READY line (pid = the child, guard = the guard) on the guard's inherited stdout.
/// </summary>
public sealed class GuardedRun : IAsyncDisposable
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(30);

    private GuardedRun(HostRunner runner) => Runner = runner;

    /// <summary>The guard process.</summary>
    public HostRunner Runner { get; }

    public int GuardPid => Runner.ProcessId;

    /// <summary>Starts the guard (TTL 10 s, <c>--crash-guard</c> unless <paramref name="flag"/> is false) and waits for its child's first READY line.</summary>
    public static async Task<(GuardedRun Run, ReadyLine Ready)> StartAsync(string role, IEnumerable<string> etcdUrls, string root, IEnumerable<string>? extra = null, IReadOnlyDictionary<string, string?>? environment = null, bool flag = true)
    {
        // Without the flag the guard must come from the configuration (crash-guard = on).
        var runner = HostRunner.Start(
            ["run", "--role", role, "--etcd", string.Join(',', etcdUrls), "--root", root, "--session-ttl", "10s", "--stop-on-stdin-eof",
                .. (flag ? ["--crash-guard"] : Array.Empty<string>()), .. (extra ?? Array.Empty<string>())],
            environment);
        var run = new GuardedRun(runner);
        try
        {
            return (run, await run.WaitForReadyAsync(exceptPid: 0));
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
    }

    /// <summary>The next child's READY line: the first one whose pid is not <paramref name="exceptPid"/>.</summary>
    public async Task<ReadyLine> WaitForReadyAsync(int exceptPid)
    {
        var line = await Runner.WaitForLineAsync(l => l.StartsWith("READY ", StringComparison.Ordinal) && ReadyLine.Parse(l).Pid != exceptPid, Backstop);
        return ReadyLine.Parse(line);
    }

    /// <summary>The guard's <c>GUARD ... event=exited child=PID ...</c> line for that child, as fields.</summary>
    public async Task<IReadOnlyDictionary<string, string>> WaitForExitedAsync(int childPid)
    {
        var line = await Runner.WaitForLineAsync(l => l.StartsWith("GUARD ", StringComparison.Ordinal) && l.Contains($" event=exited child={childPid} ", StringComparison.Ordinal), Backstop);
        return Fields(line);
    }

    /// <summary>Polls /proc until <paramref name="pid"/> no longer runs (a zombie counts as gone); false after the backstop.</summary>
    public static async Task<bool> WaitGoneAsync(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (ProcFs.IsRunning(pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            // Another process's child: there is no exit event to await from here.
            await Task.Delay(20);
        }
        return true;
    }

    public static IReadOnlyDictionary<string, string> Fields(string line) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => f.Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);

    public ValueTask DisposeAsync() => Runner.DisposeAsync();
}

/// <summary>The fields of a READY line.</summary>
public sealed record ReadyLine(long ServerId, string Address, string State, int Pid, int GuardPid)
{
    public static ReadyLine Parse(string line)
    {
        var f = GuardedRun.Fields(line);
        return new ReadyLine(long.Parse(f["serverId"], CultureInfo.InvariantCulture), f["address"], f["state"],
            int.Parse(f["pid"], CultureInfo.InvariantCulture), f.TryGetValue("guard", out var g) ? int.Parse(g, CultureInfo.InvariantCulture) : 0);
    }
}
