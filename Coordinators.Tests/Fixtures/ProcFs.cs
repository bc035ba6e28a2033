namespace Coordinators.Tests.Fixtures;

/// <summary>Process states read from /proc, for processes the tests did not start themselves.</summary>
internal static class ProcFs
{
    /// <summary>The state letter of /proc/PID/stat (R, S, T, Z, ...), or null when there is no such process.</summary>
    public static char? State(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }
        // "pid (comm) S ...": the state letter follows the last closing parenthesis (comm may hold one).
        return stat[stat.LastIndexOf(')') + 2];
    }

    /// <summary>
    /// True while the process exists and is not a zombie: a killed orphan stays a zombie until whoever adopted it
    /// reaps it, which in a container may be never.
    /// </summary>
    public static bool IsRunning(int pid) => State(pid) is { } s && s != 'Z' && s != 'X';
}
