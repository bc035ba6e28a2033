using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Coordinators.Host.Demo;

/// <summary>
/// One child `coordinators run` process slot (e.g. "rootcoord-1"): the same name, role and listen port
/// across restarts, a log file that collects every incarnation, and the pids it has had.
/// </summary>
internal sealed class DemoChild
{
    private readonly ChildLauncher _launcher;
    private readonly DemoEvents _events;
    // Guards _process, _log and _pids: Start/Signal race with the exit and output callbacks.
    private readonly Lock _gate = new();
    private readonly List<int> _pids = [];
    private Process? _process;
    private StreamWriter? _log;
    // Guarded: the pid of the component the current guard runs (its READY line's pid), 0 until it printed one.
    private int _componentPid;

    public DemoChild(string name, string role, int listenPort, string logFile, ChildLauncher launcher, DemoEvents events, bool guarded = false, ChildHost? host = null)
    {
        Host = host ?? ChildHost.Loopback;
        Name = name;
        Role = role;
        Guarded = guarded;
        ListenPort = listenPort;
        LogFile = logFile;
        _launcher = launcher;
        _events = events;
    }

    public string Name { get; }

    /// <summary>
    /// True when the slot runs <c>run --crash-guard</c>: <see cref="Pid"/>, <see cref="Pids"/> and <see cref="Signal"/>
    /// are about the component (the guard's child, whose pid the sessions carry), not the guard process.
    /// </summary>
    public bool Guarded { get; }

    public string Role { get; }

    public int ListenPort { get; }

    /// <summary>Where the slot runs (its listen address and how it is started); the same across restarts.</summary>
    public ChildHost Host { get; }

    /// <summary>"address:port" of the component's gRPC server.</summary>
    public string ListenAddress => Host.Address + ":" + ListenPort.ToString(CultureInfo.InvariantCulture);

    public string LogFile { get; }

    /// <summary>"host:port" of the running incarnation's HTTP endpoint (from its READY line), or null before it.</summary>
    public string? HttpAddress { get; private set; }

    /// <summary>True between SIGSTOP and SIGCONT.</summary>
    public bool Paused { get; private set; }

    /// <summary>The running process's id, or null.</summary>
    public int? Pid
    {
        get
        {
            lock (_gate)
            {
                if (_process is not { HasExited: false } p)
                {
                    return null;
                }
                return !Guarded ? p.Id : _componentPid != 0 && UnixSignals.Exists(_componentPid) ? _componentPid : null;
            }
        }
    }

    /// <summary>Every pid this slot has had, oldest first.</summary>
    public IReadOnlyList<int> Pids
    {
        get
        {
            lock (_gate)
            {
                return [.. _pids];
            }
        }
    }

    public bool IsRunning => Pid is not null;

    /// <summary>Starts the process (again); its output is appended to <see cref="LogFile"/>.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_process is { HasExited: false })
            {
                throw new InvalidOperationException($"{Name} is already running");
            }
            _process?.Dispose();
            _log ??= new StreamWriter(new FileStream(LogFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
            var psi = _launcher.StartInfo(Role, ListenPort, Guarded, Host);
            var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
            var log = _log;
            process.OutputDataReceived += (_, e) => OnLine(log, e.Data, stdout: true);
            process.ErrorDataReceived += (_, e) => OnLine(log, e.Data, stdout: false);
            process.Exited += (_, _) => OnExited(process);
            WriteLog(log, $"---- {DateTimeOffset.UtcNow:O} demo starts {Name}: {psi.FileName} {string.Join(' ', psi.ArgumentList)}");
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = process;
            _componentPid = 0;
            _pids.Add(process.Id);
            Paused = false;
            _events.Add("start", Name, new JsonObject { ["pid"] = process.Id, ["role"] = Role, ["port"] = ListenPort });
        }
    }

    /// <summary>Sends a signal to the running process; false when there is none.</summary>
    public bool Signal(UnixSignal signal)
    {
        var pid = Pid;
        if (pid is null || !UnixSignals.Send(pid.Value, signal))
        {
            return false;
        }
        Paused = signal == UnixSignal.SIGSTOP || (Paused && signal != UnixSignal.SIGCONT && signal != UnixSignal.SIGKILL);
        _events.Add("signal", Name, new JsonObject { ["pid"] = pid.Value, ["signal"] = signal.ToString() });
        return true;
    }

    /// <summary>
    /// A crash nobody revokes, for a guarded slot: SIGSTOP the guard (it can neither revoke nor, by dying, close the
    /// component's stdin), SIGKILL the component, then SIGKILL the guard. The lease ends by its TTL.
    /// </summary>
    public void CrashWithGuard()
    {
        int guard, component;
        lock (_gate)
        {
            (guard, component) = (_process is { HasExited: false } p ? p.Id : 0, _componentPid);
        }
        if (guard == 0 || component == 0)
        {
            return;
        }
        UnixSignals.Send(guard, UnixSignal.SIGSTOP);
        UnixSignals.Send(component, UnixSignal.SIGKILL);
        UnixSignals.Send(guard, UnixSignal.SIGKILL);
        _events.Add("signal", Name, new JsonObject { ["pid"] = component, ["guard"] = guard, ["signal"] = "SIGKILL (component and guard)" });
    }

    /// <summary>Waits until the current process has exited; false when it still runs after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        Process? p;
        lock (_gate)
        {
            p = _process;
        }
        if (p is null)
        {
            return true;
        }
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Graceful stop: SIGCONT if paused, SIGTERM, then SIGKILL after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (!IsRunning)
        {
            return;
        }
        if (Paused)
        {
            Signal(UnixSignal.SIGCONT);
        }
        Signal(UnixSignal.SIGTERM);
        if (!await WaitForExitAsync(grace).ConfigureAwait(false))
        {
            Signal(UnixSignal.SIGKILL);
            await WaitForExitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
    }

    /// <summary>SIGKILL without waiting; used by the process-exit safety net.</summary>
    public void KillNow()
    {
        lock (_gate)
        {
            try
            {
                if (_process is { HasExited: false } p)
                {
                    // A guard's child would stop by itself (its stdin closes), but this is the last resort.
                    p.Kill(entireProcessTree: Guarded);
                }
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    /// <summary>Closes the log after the last process is gone.</summary>
    public void CloseLog()
    {
        lock (_gate)
        {
            if (_log is { } log)
            {
                lock (log)
                {
                    log.Dispose();
                }
            }
            _log = null;
            _process?.Dispose();
            _process = null;
        }
    }

    private void OnExited(Process process)
    {
        int code;
        try
        {
            code = process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return;
        }
        // 128 + n is how a shell names death by signal n; .NET reports 137 for SIGKILL, 143 for SIGTERM.
        _events.Add("exit", Name, new JsonObject { ["pid"] = process.Id, ["exitCode"] = code });
    }

    private void OnLine(StreamWriter log, string? line, bool stdout)
    {
        if (line is null)
        {
            return;
        }
        WriteLog(log, stdout ? line : "[stderr] " + line);
        if (stdout && line.StartsWith("READY", StringComparison.Ordinal))
        {
            HttpAddress = line.Split(' ').FirstOrDefault(f => f.StartsWith("http=", StringComparison.Ordinal))?["http=".Length..];
            if (Guarded && line.Split(' ').FirstOrDefault(f => f.StartsWith("pid=", StringComparison.Ordinal)) is { } field
                && int.TryParse(field.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var component))
            {
                lock (_gate)
                {
                    _componentPid = component;
                    _pids.Add(component);
                }
            }
            _events.Add("ready-line", Name, new JsonObject { ["line"] = line });
        }
    }

    private static void WriteLog(StreamWriter log, string line)
    {
        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    public override string ToString() => Name + "(" + (Pid?.ToString(CultureInfo.InvariantCulture) ?? "-") + ")";
}
