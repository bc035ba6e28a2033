using System.Diagnostics;
using System.Globalization;
using Coordinators.Actors.Etcd;
using Coordinators.Benchmarks.Failover;
using Coordinators.Host;

namespace Coordinators.Benchmarks;

/// <summary>
/// Start to READY of `coordinators run` (from the process start to its READY line), for a node and a coordinator,
/// beside the floor in the same run: `coordinators --version`, the same host's start and exit with nothing to do, and,
/// when the host is a ReadyToRun build (the default), beside its IL-only copy. Each start is stopped (SIGTERM) before
/// the next. Args: [STARTS=10].
/// </summary>
internal sealed class StartupBenchmark : IBenchmark
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(30);

    public string Name => "startup";

    public string Description => "ms from process start to READY (querynode, rootcoord) vs `coordinators --version` start to exit";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var starts = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var dll = HostDll.Resolve();
        // The build is ReadyToRun: its IL-only copy (everything JIT-compiled at start) is the baseline beside it.
        var il = HostBuild.IsReadyToRun(dll) ? HostBuild.IlOnlyCopy(dll) : null;
        try
        {
            await using var etcdServer = await EmbeddedEtcd.StartAsync(BenchmarkEtcd.Options("startup"), cancellationToken);
            var root = "bench-start-" + Guid.NewGuid().ToString("N")[..6];
            var hosts = il is null ? [(dll, "")] : new[] { (dll, " (R2R)"), (il, " (IL only)") };
            var rows = new List<(string Name, List<double> Ms)>
            {
                ("--version (floor)", await RepeatAsync(starts, () => VersionAsync(dll, cancellationToken))),
            };
            foreach (var (host, kind) in hosts)
            {
                // One warm-up start each, so the first row does not carry the disk cache's cold read of every assembly.
                await StartToReadyAsync(host, etcdServer.Endpoint, root, "querynode", cancellationToken);
                foreach (var role in new[] { "querynode", "rootcoord" })
                {
                    rows.Add(("run " + role + kind, await RepeatAsync(starts, () => StartToReadyAsync(host, etcdServer.Endpoint, root, role, cancellationToken))));
                }
            }
            Console.WriteLine($"{"start (ms)",-28} {"n",3} {"min",8} {"median",8} {"p99",8}");
            foreach (var (name, ms) in rows)
            {
                ms.Sort();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-28} {ms.Count,3} {ms[0],8:F1} {HostDll.Percentile(ms, 0.5),8:F1} {HostDll.Percentile(ms, 0.99),8:F1}"));
            }
            var floor = HostDll.Percentile(rows[0].Ms, 0.5);
            var node = HostDll.Percentile(rows[1].Ms, 0.5);
            var coordinator = HostDll.Percentile(rows[2].Ms, 0.5);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"targets: start to READY median <= 500 ms ({HostBuild.Describe(dll)}): querynode {node:F1} {(node <= 500 ? "met" : "MISSED")}, rootcoord {coordinator:F1} {(coordinator <= 500 ? "met" : "MISSED")}; above the floor: {node - floor:F1} / {coordinator - floor:F1} ms"));
            if (il is not null)
            {
                var ilNode = HostDll.Percentile(rows[3].Ms, 0.5);
                var ilCoordinator = HostDll.Percentile(rows[4].Ms, 0.5);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"IL only, the same build's assemblies before crossgen2: querynode {ilNode:F1}, rootcoord {ilCoordinator:F1} ms; ReadyToRun saves {ilNode - node:F1} / {ilCoordinator - coordinator:F1} ms"));
            }
            return 0;
        }
        finally
        {
            if (il is not null)
            {
                Directory.Delete(Path.GetDirectoryName(il)!, recursive: true);
            }
        }
    }

    private static async Task<List<double>> RepeatAsync(int n, Func<Task<double>> once)
    {
        var ms = new List<double>(n);
        for (var i = 0; i < n; i++)
        {
            ms.Add(await once());
        }
        return ms;
    }

    private static async Task<double> VersionAsync(string dll, CancellationToken ct)
    {
        var t0 = Stopwatch.GetTimestamp();
        await using var p = ChildProcess.Start("dotnet", [dll, "--version"]);
        await p.WaitLineAsync(_ => true, Backstop, ct);
        await p.WaitForExitAsync(Backstop, ct);
        return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }

    private static async Task<double> StartToReadyAsync(string dll, string url, string root, string role, CancellationToken ct)
    {
        var t0 = Stopwatch.GetTimestamp();
        await using var p = ChildProcess.Start("dotnet", [dll, "run", "--role", role, "--etcd", url, "--root", root, "--session-ttl", "2s"]);
        var (_, at) = await p.WaitLineAsync(l => l.StartsWith("READY ", StringComparison.Ordinal), Backstop, ct);
        p.Signal(UnixSignal.SIGTERM);
        await p.WaitForExitAsync(Backstop, ct);
        return Stopwatch.GetElapsedTime(t0, at).TotalMilliseconds;
    }
}
