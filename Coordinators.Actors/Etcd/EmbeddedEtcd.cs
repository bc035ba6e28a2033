using System.Diagnostics;
using System.Globalization;

namespace Coordinators.Actors.Etcd;

/// <summary>
/// A private single-member etcd run as a child process on free loopback ports, for <c>standalone</c>,
/// the demo and tests: <c>await using var etcd = await EmbeddedEtcd.StartAsync(new() { Directory = dir });</c>
/// then connect to <see cref="Endpoint"/>. Stopping kills the process; a member its owner forgot dies with the
/// parent process, also when the parent is killed by SIGKILL (see <see cref="EtcdProcess"/>).
/// </summary>
public sealed class EmbeddedEtcd : IAsyncDisposable
{
    private const int MaxPortAttempts = 3;

    private readonly EtcdProcess _process;
    private readonly EmbeddedEtcdOptions _options;

    private EmbeddedEtcd(EmbeddedEtcdOptions options, EtcdProcess process, int clientPort, int peerPort)
    {
        _options = options;
        _process = process;
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
    public bool IsRunning => _process.IsRunning;

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
        // Kill waits for the exit (SIGKILL takes milliseconds); off the caller's thread, as it blocks.
        await Task.Run(_process.Dispose).ConfigureAwait(false);
        if (deleteData)
        {
            EtcdProcess.TryDeleteDirectory(DataDir);
        }
    }

    /// <summary>Stops the member; deletes its data when <see cref="EmbeddedEtcdOptions.DeleteDataOnDispose"/> is set.</summary>
    public async ValueTask DisposeAsync() => await StopAsync(_options.DeleteDataOnDispose).ConfigureAwait(false);

    /// <summary>The last lines of the member's log, for error messages.</summary>
    public string LogTail(int lines = 30) => EtcdProcess.LogTail(LogFile, lines);

    /// <summary>The command-line arguments of a member on the given ports.</summary>
    internal static List<string> Arguments(EmbeddedEtcdOptions options, int clientPort, int peerPort)
    {
        var clientUrl = "http://127.0.0.1:" + clientPort.ToString(CultureInfo.InvariantCulture);
        var peerUrl = "http://127.0.0.1:" + peerPort.ToString(CultureInfo.InvariantCulture);
        // A unique token keeps a stale member of an earlier run from ever joining this one.
        var args = EtcdProcess.MemberArguments(options.Name, DataDirOf(options), clientUrl, peerUrl, $"{options.Name}={peerUrl}",
            "embedded-" + Guid.NewGuid().ToString("N")[..12]);
        args.AddRange(options.ExtraArgs);
        return args;
    }

    private static string DataDirOf(EmbeddedEtcdOptions options) => Path.Combine(options.Directory, "data");

    private static string LogFileOf(EmbeddedEtcdOptions options) => Path.Combine(options.Directory, "etcd.log");

    private static EmbeddedEtcd Launch(EmbeddedEtcdOptions options, int clientPort, int peerPort)
    {
        var process = EtcdProcess.Start(options.EtcdPath, Arguments(options, clientPort, peerPort), LogFileOf(options));
        return new EmbeddedEtcd(options, process, clientPort, peerPort);
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
}
