using System.Diagnostics;
using System.Globalization;

namespace Coordinators.Actors.Etcd;

/// <summary>
/// A private single-member etcd run as a child process on free loopback ports, for <c>standalone</c>,
/// the demo and tests: <c>await using var etcd = await EmbeddedEtcd.StartAsync(new() { Directory = dir });</c>
/// then connect to <see cref="Endpoint"/>. Stopping kills the process; a process-exit hook kills any
/// member its owner forgot, so none outlives the parent that exits normally.
/// </summary>
public sealed class EmbeddedEtcd : IAsyncDisposable
{
    // Members started and not yet stopped by this process; killed on process exit.
    private static readonly HashSet<EmbeddedEtcd> Live = [];

    private const int MaxPortAttempts = 3;

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly EmbeddedEtcdOptions _options;
    // 0 while running, 1 once StopAsync began.
    private int _stopped;

    static EmbeddedEtcd()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllLive();
    }

    private EmbeddedEtcd(EmbeddedEtcdOptions options, Process process, StreamWriter log, int clientPort, int peerPort)
    {
        _options = options;
        _process = process;
        _log = log;
        ClientPort = clientPort;
        PeerPort = peerPort;
    }

    /// <summary>The client URL, <c>http://127.0.0.1:PORT</c>, to give to an <see cref="EtcdClient"/> or to <c>--etcd</c>.</summary>
    public string Endpoint => "http://127.0.0.1:" + ClientPort.ToString(CultureInfo.InvariantCulture);

    /// <summary>The loopback client port.</summary>
    public int ClientPort { get; }

    /// <summary>The loopback peer port.</summary>
    public int PeerPort { get; }

    /// <summary>The member's --data-dir.</summary>
    public string DataDir => DataDirOf(_options);

    /// <summary>The file that receives everything etcd writes to stdout and stderr.</summary>
    public string LogFile => LogFileOf(_options);

    /// <summary>The operating-system process id of the etcd member.</summary>
    public int ProcessId => _process.Id;

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
    /// Starts etcd and completes once its <c>/health</c> answers true. Throws <see cref="FileNotFoundException"/>
    /// when the binary is missing, and <see cref="TimeoutException"/> or <see cref="InvalidOperationException"/>
    /// (with the log's tail) when it does not become healthy.
    /// </summary>
    public static async Task<EmbeddedEtcd> StartAsync(EmbeddedEtcdOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!File.Exists(options.EtcdPath))
        {
            throw new FileNotFoundException(
                $"etcd is not installed at {options.EtcdPath}; install it with `sudo apt-get install etcd-server` (Debian/Ubuntu) "
                + "or pass the endpoint of a running etcd.", options.EtcdPath);
        }
        Directory.CreateDirectory(options.Directory);
        for (var attempt = 1; ; attempt++)
        {
            var etcd = Launch(options, LoopbackPorts.Next(), LoopbackPorts.Next());
            try
            {
                await etcd.WaitHealthyAsync(cancellationToken).ConfigureAwait(false);
                return etcd;
            }
            catch (InvalidOperationException) when (attempt < MaxPortAttempts && etcd.LogTail().Contains("address already in use", StringComparison.Ordinal))
            {
                // Another process took a port between our probe and etcd's bind: try fresh ports.
                await etcd.StopAsync(deleteData: true).ConfigureAwait(false);
            }
            catch
            {
                await etcd.StopAsync(deleteData: true).ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Kills the process (SIGKILL), waits until it is gone and, when asked, deletes the data dir. Safe to call twice.</summary>
    public async Task StopAsync(bool deleteData = false)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            lock (Live)
            {
                Live.Remove(this);
            }
            Kill();
            using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            {
                try
                {
                    await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // A process in uninterruptible sleep; nothing more we can do than report it on the next call.
                }
            }
            lock (_log)
            {
                _log.Dispose();
            }
            _process.Dispose();
        }
        if (deleteData)
        {
            TryDelete(DataDir);
        }
    }

    /// <summary>Stops the member; deletes its data when <see cref="EmbeddedEtcdOptions.DeleteDataOnDispose"/> is set.</summary>
    public async ValueTask DisposeAsync() => await StopAsync(_options.DeleteDataOnDispose).ConfigureAwait(false);

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

    /// <summary>The command-line arguments of a member on the given ports.</summary>
    internal static List<string> Arguments(EmbeddedEtcdOptions options, int clientPort, int peerPort)
    {
        var clientUrl = "http://127.0.0.1:" + clientPort.ToString(CultureInfo.InvariantCulture);
        var peerUrl = "http://127.0.0.1:" + peerPort.ToString(CultureInfo.InvariantCulture);
        List<string> args =
        [
            "--name", options.Name, "--data-dir", DataDirOf(options),
            "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
            "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
            "--initial-cluster", $"{options.Name}={peerUrl}", "--initial-cluster-state", "new",
            // A unique token keeps a stale member of an earlier run from ever joining this one.
            "--initial-cluster-token", "embedded-" + Guid.NewGuid().ToString("N")[..12],
        ];
        args.AddRange(options.ExtraArgs);
        return args;
    }

    private static string DataDirOf(EmbeddedEtcdOptions options) => Path.Combine(options.Directory, "data");

    private static string LogFileOf(EmbeddedEtcdOptions options) => Path.Combine(options.Directory, "etcd.log");

    private static EmbeddedEtcd Launch(EmbeddedEtcdOptions options, int clientPort, int peerPort)
    {
        var (process, log) = EtcdProcess.Start(options.EtcdPath, Arguments(options, clientPort, peerPort), LogFileOf(options));
        var etcd = new EmbeddedEtcd(options, process, log, clientPort, peerPort);
        lock (Live)
        {
            Live.Add(etcd);
        }
        return etcd;
    }

    private async Task WaitHealthyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var sw = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!IsRunning)
            {
                throw new InvalidOperationException($"etcd exited while starting; log tail ({LogFile}):\n{LogTail()}");
            }
            if (sw.Elapsed > _options.StartTimeout)
            {
                throw new TimeoutException($"etcd not healthy after {_options.StartTimeout}; log tail ({LogFile}):\n{LogTail()}");
            }
            try
            {
                var body = await http.GetStringAsync(Endpoint + "/health", cancellationToken).ConfigureAwait(false);
                if (body.Contains("\"health\":\"true\"", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // Not listening yet.
            }
            // Polling a process we do not control: etcd offers no readiness event to wait on.
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(); // SIGKILL on Unix; also ends a SIGSTOPped member.
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
    }

    private static void KillAllLive()
    {
        lock (Live)
        {
            foreach (var etcd in Live)
            {
                etcd.Kill();
            }
            Live.Clear();
        }
    }

    private static void TryDelete(string dir)
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
}
