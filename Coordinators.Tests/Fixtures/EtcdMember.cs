using Coordinators.Actors.Etcd;
using System.Diagnostics;

namespace Coordinators.Tests.Fixtures;

/// <summary>One etcd member process: its ports, data dir, log file and signals.</summary>
public sealed class EtcdMember : IDisposable
{
    // Guards _process and _log; Kill/Restart can race with the output callbacks.
    private readonly Lock _gate = new();
    private readonly IReadOnlyList<string> _args;
    private Process? _process;
    private StreamWriter? _log;

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
                return _process is { HasExited: false } p ? p.Id : null;
            }
        }
    }

    /// <summary>True while the process runs (paused counts as running).</summary>
    public bool IsRunning => ProcessId is not null;

    internal void Start()
    {
        lock (_gate)
        {
            if (_process is { HasExited: false })
            {
                throw new InvalidOperationException($"etcd member {Name} is already running");
            }
            System.IO.Directory.CreateDirectory(Directory);
            _log?.Dispose();
            var (process, log) = EtcdProcess.Start("/usr/bin/etcd", _args, LogFile);
            _log = log;
            _process = process;
            EtcdCluster.Track(process);
        }
    }

    /// <summary>SIGKILL; waits until the process is gone.</summary>
    public void Kill()
    {
        Process? p;
        lock (_gate)
        {
            p = _process;
            _process = null;
        }
        if (p is null)
        {
            return;
        }
        try
        {
            if (!p.HasExited)
            {
                p.Kill(); // SIGKILL on Unix, also for a stopped process
                p.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        EtcdCluster.Untrack(p);
        p.Dispose();
    }

    /// <summary>SIGSTOP: the member stops answering but keeps its sockets.</summary>
    public void Pause() => Signal(UnixSignal.SIGSTOP);

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Signal(UnixSignal.SIGCONT);

    /// <summary>The last lines of the member's log, for error messages.</summary>
    public string LogTail(int lines = 30)
    {
        try
        {
            using var fs = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(fs);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException e)
        {
            return $"(no log: {e.Message})";
        }
    }

    /// <summary>Kills the process and closes the log.</summary>
    public void Dispose()
    {
        Kill();
        CloseLog();
    }

    internal void CloseLog()
    {
        lock (_gate)
        {
            _log?.Dispose();
            _log = null;
        }
    }

    private void Signal(UnixSignal signal) =>
        UnixSignals.SendOrThrow(ProcessId ?? throw new InvalidOperationException($"etcd member {Name} is not running"), signal);
}
