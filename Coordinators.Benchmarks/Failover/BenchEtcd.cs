using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Coordinators.Benchmarks.Failover;

/// <summary>A private single-member etcd on free loopback ports with a temp data dir, removed on dispose.</summary>
internal sealed class BenchEtcd : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private BenchEtcd(Process process, string dir, string url)
    {
        _process = process;
        _dir = dir;
        ClientUrl = url;
    }

    public string ClientUrl { get; }

    public static async Task<BenchEtcd> StartAsync(CancellationToken ct)
    {
        var dir = Path.Combine(Path.GetTempPath(), "coordinators-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var client = $"http://127.0.0.1:{FreePort()}";
        var peer = $"http://127.0.0.1:{FreePort()}";
        var psi = new ProcessStartInfo("/usr/bin/etcd") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "--name", "b1", "--data-dir", Path.Combine(dir, "data"), "--listen-client-urls", client, "--advertise-client-urls", client,
                     "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "b1=" + peer, "--log-level", "error" })
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var etcd = new BenchEtcd(process, dir, client);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(20))
        {
            try
            {
                if ((await http.GetStringAsync(client + "/health", ct)).Contains("true", StringComparison.Ordinal))
                {
                    return etcd;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(50, ct); // polling a process we do not control
        }
        await etcd.DisposeAsync();
        throw new TimeoutException("etcd did not become healthy");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
