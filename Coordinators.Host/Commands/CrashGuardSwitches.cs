using System.CommandLine;
using System.Globalization;

namespace Coordinators.Host.Commands;

/// <summary>What the guard does after a child died other than by a clean stop (<c>--restart</c>).</summary>
internal enum RestartPolicy
{
    /// <summary>Start it again after a backoff (the default).</summary>
    OnFailure,

    /// <summary>Exit with the child's exit code.</summary>
    Never,
}

/// <summary>
/// The switches of <c>run</c> and <c>standalone</c> that concern the crash guard: <c>--crash-guard</c> and
/// <c>--restart</c> for users; the hidden <c>--crash-guard-pipe FD</c> and <c>--crash-guard-pid PID</c> that the
/// guard adds to its child's command line, which also tell the child it is the guarded one (it never guards again).
/// </summary>
internal sealed class CrashGuardSwitches
{
    public const string PipeSwitch = "--crash-guard-pipe";
    public const string PidSwitch = "--crash-guard-pid";

    public Option<bool> CrashGuard { get; } = new("--crash-guard")
    {
        Description = "start the component as a child process and stay as its guard: a crashed child's lease is revoked at once "
            + "(a standby takes over in milliseconds), then the child is restarted; overrides coordinators.crash-guard",
    };

    public Option<string> Restart { get; } = new("--restart")
    {
        Description = "with --crash-guard: on-failure (restart a crashed child with backoff) or never (exit with its code)",
        HelpName = "POLICY",
        DefaultValueFactory = _ => "on-failure",
    };

    public Option<int?> Pipe { get; } = new(PipeSwitch)
    {
        Description = "internal: the file descriptor on which a guarded child reports its leases to its guard",
        Hidden = true,
    };

    public Option<int?> GuardPid { get; } = new(PidSwitch)
    {
        Description = "internal: the process id of the guard of a guarded child",
        Hidden = true,
    };

    public void AddTo(Command command)
    {
        Restart.AcceptOnlyFromAmong("on-failure", "never");
        command.Options.Add(CrashGuard);
        command.Options.Add(Restart);
        command.Options.Add(Pipe);
        command.Options.Add(GuardPid);
    }

    /// <summary>True when this process should be the guard: asked for, and not itself a guarded child.</summary>
    public bool ShouldGuard(ParseResult result, bool configured) =>
        result.GetValue(Pipe) is null && (result.GetValue(CrashGuard) || configured);

    public RestartPolicy RestartPolicy(ParseResult result) =>
        result.GetValue(Restart) == "never" ? Commands.RestartPolicy.Never : Commands.RestartPolicy.OnFailure;

    /// <summary>The link to the guard when this process is a guarded child (the hidden switches are set); null otherwise.</summary>
    public CrashGuardChild? OpenChildLink(ParseResult result, Microsoft.Extensions.Logging.ILogger logger) =>
        result.GetValue(Pipe) is { } fd
            ? CrashGuardChild.Open(fd, result.GetValue(GuardPid) ?? throw new InvalidOperationException($"{PipeSwitch} needs {PidSwitch}"), logger)
            : null;

    /// <summary>
    /// The child's arguments: the guard's own, with the hidden switches naming the lease pipe and the guard added,
    /// and <c>--stop-on-stdin-eof</c> (the guard holds the child's stdin: a guard killed by SIGKILL stops its child).
    /// </summary>
    public static IReadOnlyList<string> ChildArguments(IReadOnlyList<string> guardArguments, string pipe, int guardPid)
    {
        var args = new List<string>(guardArguments);
        if (!args.Any(a => a == StdinEofWatch.Switch || a.StartsWith(StdinEofWatch.Switch + "=", StringComparison.Ordinal)))
        {
            args.Add(StdinEofWatch.Switch);
        }
        args.Add(PipeSwitch);
        args.Add(pipe);
        args.Add(PidSwitch);
        args.Add(guardPid.ToString(CultureInfo.InvariantCulture));
        return args;
    }

    /// <summary>
    /// An exit code as people read it: .NET reports a child killed by signal N as 128 + N, so 137 is SIGKILL and 134
    /// SIGABRT (what an unhandled .NET exception ends in).
    /// </summary>
    public static string DescribeExit(int code) => code switch
    {
        0 => "exit code 0 (clean stop)",
        > 128 and < 128 + 65 => $"exit code {code} (killed by {SignalName(code - 128)})",
        _ => $"exit code {code}",
    };

    /// <summary>The signal's name for 128 + N exit codes, or null for any other code.</summary>
    public static string? SignalOf(int code) => code is > 128 and < 128 + 65 ? SignalName(code - 128) : null;

    private static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        _ => "signal " + signal.ToString(CultureInfo.InvariantCulture),
    };
}
