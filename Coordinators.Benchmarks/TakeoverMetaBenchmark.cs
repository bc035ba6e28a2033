using System.Diagnostics;
using System.Globalization;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Election.Services;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;
using Coordinators.Benchmarks.Failover;
using Coordinators.Host;
using Etcdserverpb;
using Google.Protobuf;

namespace Coordinators.Benchmarks;

/// <summary>
/// datacoord takeover time with 1,000 / 10,000 / 100,000 segments, a warm standby (replica by Range + Watch) beside a
/// cold one (<c>warm-standby = off</c>: reads the table at takeover), on real processes (TTL 2 s): SIGTERM measured from
/// the signal, SIGKILL from the lease's expiry (the old candidate key's DELETE), both to the new primary's active key.
/// Also the replica's memory per 100,000 segments. Args: [ROUNDS=2].
/// </summary>
internal sealed class TakeoverMetaBenchmark : IBenchmark
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(60);
    private static readonly int[] Sizes = [1_000, 10_000, 100_000];

    public string Name => "takeover-meta";

    public string Description => "datacoord takeover ms at 1k/10k/100k segments: warm standby replica vs cold reload (SIGTERM, SIGKILL from lease expiry); replica memory";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2;
        await using var etcdServer = await EmbeddedEtcd.StartAsync(BenchmarkEtcd.Options("takeover-meta"), cancellationToken);
        using var etcd = new EtcdClient(etcdServer.Endpoint);
        var dll = Failover.HostDll.Resolve();
        var rows = new List<(int Size, string Mode, double Term, double Kill)>();
        double? bytesPer100k = null;
        foreach (var size in Sizes)
        {
            var root = "bench-meta-" + size.ToString(CultureInfo.InvariantCulture);
            var layout = new EtcdLayout(root);
            var seeded = Stopwatch.StartNew();
            await SeedAsync(etcd, layout, size, cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeded {size} segments in {seeded.Elapsed.TotalSeconds:F1} s"));
            if (size == 100_000)
            {
                bytesPer100k = await ReplicaBytesAsync(etcd, layout, cancellationToken);
            }
            foreach (var warm in new[] { true, false })
            {
                var terms = new List<double>();
                var kills = new List<double>();
                for (var r = 0; r < rounds; r++)
                {
                    var (term, kill) = await TakeoversAsync(etcd, dll, etcdServer.Endpoint, layout, warm, cancellationToken);
                    terms.Add(term);
                    kills.Add(kill);
                }
                rows.Add((size, warm ? "warm" : "cold", Median(terms), Median(kills)));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {size,7} segments {(warm ? "warm" : "cold")}: SIGTERM {string.Join(" / ", terms.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))} ms, SIGKILL from expiry {string.Join(" / ", kills.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))} ms"));
            }
        }
        Console.WriteLine();
        Console.WriteLine($"{"takeover median (ms)",-22} {"warm SIGTERM",13} {"cold SIGTERM",13} {"warm SIGKILL*",14} {"cold SIGKILL*",14}");
        foreach (var size in Sizes)
        {
            var w = rows.Single(x => x.Size == size && x.Mode == "warm");
            var c = rows.Single(x => x.Size == size && x.Mode == "cold");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{size + " segments",-22} {w.Term,13:F1} {c.Term,13:F1} {w.Kill,14:F1} {c.Kill,14:F1}"));
        }
        Console.WriteLine("* SIGKILL measured from the lease's expiry (the old candidate key's DELETE) to the new active key");
        var w1 = rows.Single(x => x.Size == 1_000 && x.Mode == "warm");
        var w100 = rows.Single(x => x.Size == 100_000 && x.Mode == "warm");
        var c1 = rows.Single(x => x.Size == 1_000 && x.Mode == "cold");
        var c100 = rows.Single(x => x.Size == 100_000 && x.Mode == "cold");
        var ratio = w100.Term / w1.Term;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"warm SIGTERM 100k / 1k = {ratio:F2}x (goal <= 2x: {(ratio <= 2 ? "met" : "MISSED")}); warm SIGKILL 100k / 1k = {w100.Kill / w1.Kill:F2}x; cold SIGTERM 100k / 1k = {c100.Term / c1.Term:F2}x (cold grows with size)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"replica memory: {bytesPer100k / (1024 * 1024):F1} MiB per 100,000 segments ({bytesPer100k / 100_000:F0} bytes each, managed heap)"));
        return 0;
    }

    /// <summary>Writes segments 1..size straight into etcd, 128 puts per Txn (etcd's max-txn-ops default), 4 Txns at a time.</summary>
    private static async Task SeedAsync(EtcdClient etcd, EtcdLayout layout, int size, CancellationToken ct)
    {
        var batches = Enumerable.Range(1, size).Chunk(128).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (ids, token) =>
        {
            var txn = new TxnRequest();
            foreach (var id in ids)
            {
                var segment = new Segment { Id = id, CollectionId = 1 + id % 10, State = SegmentState.Flushed, RowCount = 1000 + id, Token = "seed-" + id.ToString(CultureInfo.InvariantCulture) };
                txn.Success.Add(Op.Put(EtcdKeys.Utf8(layout.SegmentKey(id)), segment.ToByteString()));
            }
            await etcd.TxnAsync(txn, token);
        });
    }

    /// <summary>One SIGTERM takeover and one SIGKILL takeover of datacoord, standbys warm or cold.</summary>
    private static async Task<(double TermMs, double KillMs)> TakeoversAsync(EtcdClient etcd, string dll, string url, EtcdLayout layout, bool warm, CancellationToken ct)
    {
        var env = new Dictionary<string, string> { ["COORDINATORS__DATACOORD__WARM_STANDBY"] = warm ? "on" : "off" };
        var a = await StartAsync(dll, url, layout, env, ct);
        await WaitActiveAsync(etcd, layout, a.ServerId, ct);
        var b = await StartStandbyAsync(dll, url, layout, env, warm, ct);
        ChildProcess? c = null;
        try
        {
            var published = WaitActiveAsync(etcd, layout, b.ServerId, ct);
            var t0 = Stopwatch.GetTimestamp();
            a.Process.Signal(UnixSignal.SIGTERM);
            var term = Stopwatch.GetElapsedTime(t0, (await published).At).TotalMilliseconds;

            var third = await StartStandbyAsync(dll, url, layout, env, warm, ct);
            c = third.Process;
            var killed = WaitActiveAsync(etcd, layout, third.ServerId, ct);
            b.Process.Signal(UnixSignal.SIGKILL);
            var (at, deletedAt) = await killed;
            return (term, Stopwatch.GetElapsedTime(deletedAt, at).TotalMilliseconds);
        }
        finally
        {
            await a.Process.DisposeAsync();
            await b.Process.DisposeAsync();
            if (c is not null)
            {
                await c.DisposeAsync();
            }
            // The next round starts with no candidates: every lease of this round revoked or expired.
            await etcd.DeletePrefixAsync(layout.ElectionPrefix(Roles.DataCoord), cancellationToken: ct);
            await etcd.DeletePrefixAsync(layout.ActiveKey(Roles.DataCoord), cancellationToken: ct);
        }
    }

    private static async Task<(ChildProcess Process, long ServerId)> StartStandbyAsync(string dll, string url, EtcdLayout layout, Dictionary<string, string> env, bool warm, CancellationToken ct)
    {
        var p = await StartAsync(dll, url, layout, env, ct);
        if (warm)
        {
            // Takeover is measured from a standby that finished its first Range (the replica watching).
            await p.Process.WaitLineAsync(l => l.Contains("datacoord replica: loaded", StringComparison.Ordinal), Backstop, ct);
        }
        // A standby stands by: its rehearsal, first-run JIT and the load's garbage settle before it is measured, as in
        // production (without this both modes measure a process still busy starting: ~200 ms at any size).
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        return p;
    }

    private static async Task<(ChildProcess Process, long ServerId)> StartAsync(string dll, string url, EtcdLayout layout, Dictionary<string, string> env, CancellationToken ct)
    {
        var p = ChildProcess.Start("dotnet", [dll, "run", "--role", Roles.DataCoord, "--etcd", url, "--root", layout.Root, "--session-ttl", "2s"], env);
        var (line, _) = await p.WaitLineAsync(l => l.StartsWith("READY ", StringComparison.Ordinal), Backstop, ct);
        var serverId = line.Split(' ').First(f => f.StartsWith("serverId=", StringComparison.Ordinal))["serverId=".Length..];
        return (p, long.Parse(serverId, CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Completes when the active key names <paramref name="serverId"/> (monotonic time), and with the time the first
    /// candidate key was deleted before that (the old primary's lease expiring), or the same time when none was.
    /// </summary>
    private static async Task<(long At, long DeletedAt)> WaitActiveAsync(EtcdClient etcd, EtcdLayout layout, long serverId, CancellationToken ct)
    {
        var current = await etcd.GetAsync(layout.ActiveKey(Roles.DataCoord), cancellationToken: ct);
        if (current.Kvs.Count == 1 && SessionInfo.TryParse(current.Kvs[0].Value.ToStringUtf8(), out var s, out _) && s!.ServerId == serverId)
        {
            var now = Stopwatch.GetTimestamp();
            return (now, now);
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(Backstop);
        long? deletedAt = null;
        // The root's election and session keys in one watch: DELETE of a candidate, then PUT of the active key.
        await foreach (var r in etcd.Watch(layout.Root + "/", new WatchOptions { Prefix = true, StartRevision = current.Header.Revision + 1 }, cts.Token))
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var e in r.Events)
            {
                var key = e.Kv.Key.ToStringUtf8();
                if (e.Type == Mvccpb.Event.Types.EventType.Delete && key.StartsWith(layout.ElectionPrefix(Roles.DataCoord), StringComparison.Ordinal))
                {
                    deletedAt ??= now;
                }
                else if (e.Type == Mvccpb.Event.Types.EventType.Put && key == layout.ActiveKey(Roles.DataCoord)
                    && SessionInfo.TryParse(e.Kv.Value.ToStringUtf8(), out var x, out _) && x!.ServerId == serverId)
                {
                    return (now, deletedAt ?? now);
                }
            }
        }
        throw new TimeoutException("no active datacoord key for server " + serverId);
    }

    /// <summary>Managed heap held by a replica of the table (read from etcd into a <see cref="SegmentTable"/>).</summary>
    private static async Task<double> ReplicaBytesAsync(EtcdClient etcd, EtcdLayout layout, CancellationToken ct)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var table = await LoadAsync(etcd, layout, ct);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(table);
        return (after - before) * (100_000.0 / table.Count);
    }

    private static async Task<SegmentTable> LoadAsync(EtcdClient etcd, EtcdLayout layout, CancellationToken ct)
    {
        var table = new SegmentTable();
        var (segments, _) = await SegmentTable.ReadAsync(etcd, layout.SegmentsPrefix, ct);
        table.Reset(segments);
        return table;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
