using System.Diagnostics;
using System.Globalization;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Benchmarks.Failover;
using Coordinators.Host;
using Coordinators.Actors.Model;

namespace Coordinators.Benchmarks;

/// <summary>
/// Takeover time of `coordinators run` (TTL 2 s): from the old primary's SIGTERM / SIGKILL to the new primary's
/// active key arriving on a watch, beside etcd's own tools on the same etcd: `etcdctl elect` (SIGINT, time to the
/// next elector's line) and `etcdctl lock --ttl 2` (SIGKILL, time to the next holder's line). Then the crash guard at
/// TTL 10 s: SIGKILL of a guarded primary's child (`run --crash-guard --restart never`; the guard revokes its lease)
/// beside `etcdctl lock --ttl 10` (SIGKILL, at most 3 rounds: each waits out the TTL). Args: [ROUNDS=20].
/// </summary>
internal sealed class FailoverBenchmark : IBenchmark
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(30);

    // querycoord: a pure election. rootcoord's crash takeovers also wait for the wall clock to pass the crashed
    // primary's persisted TSO bound (up to rootcoord.tso-window), which would measure the oracle's rule, not the election.
    private const string BenchRole = "querycoord";

    public string Name => "failover";

    private static readonly TimeSpan StandbySettle = TimeSpan.FromSeconds(1);

    public string Description => "primary takeover ms after SIGTERM/SIGKILL (TTL 2s) vs etcdctl elect (SIGINT) and etcdctl lock --ttl 2 (SIGKILL); SIGKILL of a crash-guarded primary (TTL 10s) vs etcdctl lock --ttl 10";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        // A second argument runs only some rows, e.g. "sigterm,guarded" (names: the keys below); default all.
        var only = args.Length > 1 ? args[1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase) : null;
        await using var etcdServer = await EmbeddedEtcd.StartAsync(BenchmarkEtcd.Options("failover"), cancellationToken);
        using var etcd = new EtcdClient(etcdServer.Endpoint);
        var url = etcdServer.Endpoint;
        // Each coordinators row also reports its legs row: the new primary's own part, from its predecessor's DELETE
        // reaching it to its active key published (the "-> Primary ... in X ms" line it logs).
        var plan = new (string Key, string Name, Func<Task<(List<double> Takeover, List<double>? Leg)>> Run)[]
        {
            ("sigterm", "coordinators SIGTERM", () => CoordinatorsAsync(etcd, url, "t", UnixSignal.SIGTERM, rounds, cancellationToken)),
            ("elect", "etcdctl elect SIGINT", () => EtcdctlAsync(url, ["elect", "bench-elect"], UnixSignal.SIGINT, rounds, cancellationToken)),
            ("sigkill", "coordinators SIGKILL", () => CoordinatorsAsync(etcd, url, "k", UnixSignal.SIGKILL, rounds, cancellationToken)),
            ("lock", "etcdctl lock SIGKILL", () => EtcdctlAsync(url, ["lock", "--ttl", "2", "bench-lock"], UnixSignal.SIGKILL, rounds, cancellationToken)),
            ("guarded", "SIGKILL guarded (TTL 10 s)", () => CoordinatorsAsync(etcd, url, "g", UnixSignal.SIGKILL, rounds, cancellationToken, "10s", guarded: true)),
            ("lock10", "etcdctl lock SIGKILL (TTL 10 s)", () => EtcdctlAsync(url, ["lock", "--ttl", "10", "bench-lock10"], UnixSignal.SIGKILL, Math.Min(rounds, 3), cancellationToken)),
        };
        if (only is not null && only.Except(plan.Select(p => p.Key), StringComparer.OrdinalIgnoreCase).ToList() is { Count: > 0 } unknown)
        {
            Console.Error.WriteLine($"failover: unknown row(s) '{string.Join(",", unknown)}' in '{args[1]}'; rows: {string.Join(", ", plan.Select(p => p.Key))}");
            return 2;
        }
        var rows = new Dictionary<string, (string Name, List<double> Ms)>(StringComparer.Ordinal);
        foreach (var (key, name, run) in plan.Where(p => only is null || only.Contains(p.Key)))
        {
            var (ms, leg) = await run();
            ms.Sort();
            rows[key] = (name, ms);
            if (leg is not null)
            {
                leg.Sort();
                rows[key + "-leg"] = ("  of which the new primary's leg", leg);
            }
        }
        Console.WriteLine($"{"takeover (ms)",-32} {"n",3} {"min",8} {"median",8} {"p99",8}");
        foreach (var (name, ms) in rows.Values)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-32} {ms.Count,3} {ms[0],8:F1} {HostDll.Percentile(ms, 0.5),8:F1} {HostDll.Percentile(ms, 0.99),8:F1}"));
        }
        if (rows.TryGetValue("sigterm", out var t))
        {
            var term = HostDll.Percentile(t.Ms, 0.5);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"target: SIGTERM median {term:F1} <= 30 ms {(term <= 30 ? "met" : "MISSED")}"));
        }
        if (rows.TryGetValue("sigkill", out var k))
        {
            var kill = HostDll.Percentile(k.Ms, 0.5);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"target: SIGKILL median {kill:F1} <= 2250 ms {(kill <= 2250 ? "met" : "MISSED")}"));
        }
        if (rows.TryGetValue("guarded", out var g))
        {
            var guardedMedian = HostDll.Percentile(g.Ms, 0.5);
            var guardedP99 = HostDll.Percentile(g.Ms, 0.99);
            var versus = rows.TryGetValue("lock10", out var l) ? $"; {HostDll.Percentile(l.Ms, 0.5) / guardedMedian:F0}x faster than etcdctl lock --ttl 10 ({HostDll.Percentile(l.Ms, 0.5):F0} ms)" : string.Empty;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"crash guard: SIGKILL guarded median {guardedMedian:F1} <= 50 ms {(guardedMedian <= 50 ? "met" : "MISSED")}, p99 {guardedP99:F1} <= 150 ms {(guardedP99 <= 150 ? "met" : "MISSED")}{versus}"));
        }
        return 0;
    }

    private static async Task<(List<double> Takeover, List<double>? Leg)> CoordinatorsAsync(EtcdClient etcd, string url, string tag, UnixSignal signal, int rounds, CancellationToken ct, string ttl = "2s", bool guarded = false)
    {
        var root = "bench-" + tag + Guid.NewGuid().ToString("N")[..6];
        var layout = new EtcdLayout(root);
        // COORDINATORS_HOST_DLL measures another build of the host; COORDINATORS_HOST_IL=1 an IL-only copy of this one.
        var dll = HostDll.Resolve();
        var samples = new List<double>();
        var legs = new List<double>();
        // Guarded: the signal goes to the guard's child (the READY line's pid), and the guard exits after revoking.
        string[] extra = guarded ? ["--session-ttl", ttl, "--crash-guard", "--restart", "never"] : ["--session-ttl", ttl];
        var primary = await StartCoordinatorAsync(dll, url, root, extra, ct);
        var standby = await StartCoordinatorAsync(dll, url, root, extra, ct);
        try
        {
            await WaitActiveAsync(etcd, layout, primary.ServerId, ct);
            for (var i = 0; i < rounds; i++)
            {
                // Set up the wait before the act: the watch must be in place when the signal goes.
                var published = WaitActiveAsync(etcd, layout, standby.ServerId, ct);
                // Let the standby settle: it printed READY as soon as it queued, with its start-up (tiered JIT, rehearsal,
                // first warm-up) still running on the two cores the takeover needs. 100 ms until this round measured
                // that contention as much as the takeover; a standby in service has been up for far longer than 1 s.
                await Task.Delay(StandbySettle, ct);
                var led = standby.Process.WaitLineAsync(l => l.Contains("-> Primary (service started", StringComparison.Ordinal), Backstop, ct);
                var t0 = Stopwatch.GetTimestamp();
                UnixSignals.SendOrThrow(primary.Pid, signal);
                var t1 = await published;
                samples.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
                legs.Add(LoggedMs((await led).Line));
                await primary.Process.DisposeAsync();
                primary = standby;
                standby = await StartCoordinatorAsync(dll, url, root, extra, ct);
            }
        }
        finally
        {
            await primary.Process.DisposeAsync();
            await standby.Process.DisposeAsync();
        }
        return (samples, legs);
    }

    /// <summary>The "in X ms" that ends an election transition line.</summary>
    private static double LoggedMs(string line)
    {
        var at = line.LastIndexOf(" in ", StringComparison.Ordinal);
        return at >= 0 && line.EndsWith(" ms", StringComparison.Ordinal)
            && double.TryParse(line.AsSpan(at + 4, line.Length - at - 7), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms)
            ? ms
            : throw new FormatException("no \"in X ms\" at the end of the new primary's line: " + line);
    }

    /// <summary>Starts `coordinators run`; returns it with its ServerID and the pid of its READY line (a guard's child).</summary>
    private static async Task<(ChildProcess Process, long ServerId, int Pid)> StartCoordinatorAsync(string dll, string url, string root, string[] extra, CancellationToken ct)
    {
        var p = ChildProcess.Start("dotnet", [dll, "run", "--role", BenchRole, "--etcd", url, "--root", root, .. extra]);
        var (line, _) = await p.WaitLineAsync(l => l.StartsWith("READY ", StringComparison.Ordinal), Backstop, ct);
        string Field(string name) => line.Split(' ').First(f => f.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..];
        return (p, long.Parse(Field("serverId"), CultureInfo.InvariantCulture), int.Parse(Field("pid"), CultureInfo.InvariantCulture));
    }

    /// <summary>Completes (with the monotonic time) when the active key names <paramref name="serverId"/>.</summary>
    private static async Task<long> WaitActiveAsync(EtcdClient etcd, EtcdLayout layout, long serverId, CancellationToken ct)
    {
        var key = layout.ActiveKey(BenchRole);
        var current = await etcd.GetAsync(key, cancellationToken: ct);
        if (current.Kvs.Count == 1 && SessionInfo.TryParse(current.Kvs[0].Value.ToStringUtf8(), out var s, out _) && s!.ServerId == serverId)
        {
            return Stopwatch.GetTimestamp();
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(Backstop);
        await foreach (var r in etcd.Watch(key, new WatchOptions { StartRevision = current.Header.Revision + 1, NoDelete = true }, cts.Token))
        {
            var now = Stopwatch.GetTimestamp();
            if (r.Events.Any(e => SessionInfo.TryParse(e.Kv.Value.ToStringUtf8(), out var x, out _) && x!.ServerId == serverId))
            {
                return now;
            }
        }
        throw new TimeoutException("no active key for server " + serverId);
    }

    private static async Task<(List<double> Takeover, List<double>? Leg)> EtcdctlAsync(string url, string[] command, UnixSignal signal, int rounds, CancellationToken ct)
    {
        var env = new Dictionary<string, string> { ["ETCDCTL_API"] = "3" };
        var n = 0;
        ChildProcess Start() => ChildProcess.Start("/usr/bin/etcdctl", ["--endpoints=" + url, .. command, .. command[0] == "elect" ? new[] { "p" + n++ } : []], env);
        var samples = new List<double>();
        var holder = Start();
        await holder.WaitLineAsync(_ => true, Backstop, ct);
        var next = Start();
        try
        {
            for (var i = 0; i < rounds; i++)
            {
                await Task.Delay(200, ct); // let the waiter queue up behind the holder
                var t0 = Stopwatch.GetTimestamp();
                holder.Signal(signal);
                var (_, at) = await next.WaitLineAsync(_ => true, Backstop, ct);
                samples.Add(Stopwatch.GetElapsedTime(t0, at).TotalMilliseconds);
                await holder.DisposeAsync();
                holder = next;
                next = Start();
            }
        }
        finally
        {
            await holder.DisposeAsync();
            await next.DisposeAsync();
        }
        return (samples, null);
    }
}
