using Coordinators.Actors.Etcd;

namespace Coordinators.Tests.Fixtures;

/// <summary>One etcd member process: its ports, data dir, log file and signals.</summary>
public sealed class EtcdMember : IDisposable
{
    // Guards _process; Kill and Restart can race.
    private readonly Lock _gate = new();
    private readonly IReadOnlyList<string> _args;
    private EtcdProcess? _process;

    internal EtcdMember(string name, string directory, string clientUrl, int peerPort, IReadOnlyList<string> args)
    {
        Name = name;
        Directory = directory;
        DataDir = Path.Combine(directory, "data");
        LogFile = Path.Combine(directory, "etcd.log");
        ClientUrl = clientUrl;
        PeerPort = peerPort;
        _args = args;
    }

    /// <summary>Member name, m1..mN.</summary>
    public string Name { get; }

    /// <summary>Folder holding the data dir and the log.</summary>
    public string Directory { get; }

    /// <summary>etcd's --data-dir; kept across restarts.</summary>
    public string DataDir { get; }

    /// <summary>Everything the member wrote to stdout/stderr, across restarts.</summary>
    public string LogFile { get; }

    /// <summary>The client URL, http://127.0.0.1:PORT or https://.</summary>
    public string ClientUrl { get; }

    /// <summary>The peer port.</summary>
    public int PeerPort { get; }

    /// <summary>Process id of the running member, or null when it is not running.</summary>
    public int? ProcessId
    {
        get
        {
            lock (_gate)
            {
                return _process is { IsRunning: true } p ? p.Id : null;
            }
        }
    }

    /// <summary>True while the process runs (paused counts as running).</summary>
    public bool IsRunning => ProcessId is not null;

    internal void Start()
    {
        lock (_gate)
        {
            if (_process is { IsRunning: true })
            {
                throw new InvalidOperationException($"etcd member {Name} is already running");
            }
            _process?.Dispose();
            System.IO.Directory.CreateDirectory(Directory);
            _process = EtcdProcess.Start("/usr/bin/etcd", _args, LogFile);
        }
    }

    /// <summary>SIGKILL; waits until the process is gone. The log stays open for a restart.</summary>
    public void Kill()
    {
        EtcdProcess? p;
        lock (_gate)
        {
            p = _process;
        }
        if (p is not null && !p.Kill(TimeSpan.FromSeconds(10)))
        {
            throw new InvalidOperationException($"etcd member {Name} (pid {p.Id}) did not exit within 10 s of SIGKILL");
        }
    }

    /// <summary>SIGSTOP: the member stops answering but keeps its sockets. Returns once the kernel shows it stopped.</summary>
    public void Pause() => SignalAndWait(UnixSignal.SIGSTOP, stopped: true);

    /// <summary>SIGCONT after <see cref="Pause"/>. Returns once the kernel shows it running again.</summary>
    public void Resume() => SignalAndWait(UnixSignal.SIGCONT, stopped: false);

    /// <summary>The last lines of the member's log, for error messages.</summary>
    public string LogTail(int lines = 30) => EtcdProcess.LogTail(LogFile, lines);

    /// <summary>Kills the process and closes the log.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _process?.Dispose();
            _process = null;
        }
    }

    // kill(2) only queues the signal: a request sent right after it could still be served. Spin on the state in
    // /proc (the kernel offers nothing to wait on), with a backstop.
    private void SignalAndWait(UnixSignal signal, bool stopped)
    {
        var pid = ProcessId ?? throw new InvalidOperationException($"etcd member {Name} is not running");
        UnixSignals.SendOrThrow(pid, signal);
        if (!SpinWait.SpinUntil(() => ProcFs.State(pid) is 'T' == stopped, TimeSpan.FromSeconds(10)))
        {
            throw new InvalidOperationException($"etcd member {Name} (pid {pid}) is in state {ProcFs.State(pid)} 10 s after {signal}");
        }
    }
}
