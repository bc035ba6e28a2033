using System.Diagnostics;

namespace Coordinators.Actors.Etcd;

/// <summary>
/// One etcd child process, the launch shared by <see cref="EmbeddedEtcd"/> and the test fixture's cluster members:
/// stdout and stderr are appended, line by line, to a log file, and the member dies with its parent.
/// </summary>
/// <remarks>
/// A process-exit hook kills members on a normal exit, but nothing runs in a parent killed by SIGKILL. So etcd is
/// started through <c>/bin/sh</c>, which first forks a watcher holding the read end of a pipe whose write end only
/// this process holds, then execs etcd (the pid stays etcd's, so signals reach it directly). When the write end is
/// closed, by <see cref="Kill"/> or by the kernel when this process dies however it dies, the watcher reads EOF and
/// SIGKILLs etcd. Every kill closes the pipe at once, so the watcher never outlives its etcd by more than a moment
/// and never signals a recycled pid.
/// </remarks>
internal sealed class EtcdProcess : IDisposable
{
    // fd 3 keeps the pipe for the watcher; etcd itself gets /dev/null and no fd 3. $$ is the shell's pid, which
    // exec hands to etcd.
    private const string GuardScript =
        "exec 3<&0 0</dev/null; (while read -r _ <&3; do :; done; kill -KILL $$ 2>/dev/null) & exec \"$@\" 3<&-";

    // Members started and not yet killed by this process; killed by the process-exit hook.
    private static readonly HashSet<EtcdProcess> Live = [];

    private readonly Process _process;
    private readonly StreamWriter _log;
    private int _killed;

    static EtcdProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            EtcdProcess[] live;
            lock (Live)
            {
                live = [.. Live];
            }
            foreach (var p in live)
            {
                p.Kill(wait: TimeSpan.Zero);
            }
        };
    }

    private EtcdProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    /// <summary>The operating-system pid of etcd itself.</summary>
    public int Id => _process.Id;

    /// <summary>True until the process exited (a paused process still counts as running).</summary>
    public bool IsRunning
    {
        get
        {
            try
            {
                return !_process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="etcdPath"/> with <paramref name="arguments"/>. A line arriving after <see cref="Dispose"/>
    /// is dropped (the process is being torn down).
    /// </summary>
    public static EtcdProcess Start(string etcdPath, IEnumerable<string> arguments, string logFile)
    {
        var log = new StreamWriter(new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)) { AutoFlush = true };
        var psi = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(GuardScript);
        psi.ArgumentList.Add("etcd-guard"); // $0
        psi.ArgumentList.Add(etcdPath);
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }
        var process = new Process { StartInfo = psi };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (log)
            {
                try
                {
                    log.WriteLine(e.Data);
                }
                catch (ObjectDisposedException)
                {
                    // etcd's last lines after the log file was closed at stop: nobody reads them any more.
                }
            }
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        try
        {
            process.Start();
        }
        catch
        {
            log.Dispose();
            process.Dispose();
            throw;
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var started = new EtcdProcess(process, log);
        lock (Live)
        {
            Live.Add(started);
        }
        return started;
    }

    /// <summary>
    /// The command line of one member of a new cluster: its name and data dir, one client and one peer URL (listened on
    /// and advertised), the whole <paramref name="initialCluster"/> ("name=peerUrl,...") and the cluster token. With
    /// <c>--pre-vote</c>, etcd's default since 3.5 (Debian's 3.4 has it off): a member cut off from the others does not
    /// raise its raft term while alone, so rejoining does not depose a healthy leader, which every primary would feel
    /// as an etcd outage (chaos measured 5.8 s without a primary after such a heal at TTL 2 s).
    /// </summary>
    public static List<string> MemberArguments(string name, string dataDir, string clientUrl, string peerUrl, string initialCluster, string token) =>
    [
        "--name", name, "--data-dir", dataDir,
        "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
        "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
        "--initial-cluster", initialCluster, "--initial-cluster-state", "new",
        "--initial-cluster-token", token, "--pre-vote",
    ];

    /// <summary>The last <paramref name="lines"/> lines of an etcd log file, for error messages.</summary>
    public static string LogTail(string logFile, int lines = 30)
    {
        try
        {
            using var fs = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(fs);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException e)
        {
            return $"(no log: {e.Message})";
        }
    }

    /// <summary>Deletes a member's folder (data dir, log) when it exists; a folder that cannot be deleted is left.</summary>
    public static void TryDeleteDirectory(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Completes when etcd has exited.</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>
    /// SIGKILL (which also ends a stopped member), closes the watcher's pipe and waits up to <paramref name="wait"/>
    /// for the process to be gone. Returns false when it was still there. Safe to call twice.
    /// </summary>
    public bool Kill(TimeSpan wait)
    {
        if (Interlocked.Exchange(ref _killed, 1) == 0)
        {
            lock (Live)
            {
                Live.Remove(this);
            }
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill();
                }
            }
            catch (InvalidOperationException)
            {
                // Exited between the check and the kill.
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Already reaped.
            }
            try
            {
                _process.StandardInput.Dispose(); // EOF for the watcher: it exits (etcd is already dead).
            }
            catch (IOException)
            {
                // The watcher is gone already.
            }
        }
        try
        {
            return _process.WaitForExit(wait);
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    /// <summary>Kills the process (waiting up to 10 s) and closes the log.</summary>
    public void Dispose()
    {
        Kill(TimeSpan.FromSeconds(10));
        lock (_log)
        {
            _log.Dispose();
        }
        _process.Dispose();
    }
}
