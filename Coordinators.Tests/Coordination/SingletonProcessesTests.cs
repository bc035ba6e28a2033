using System.Diagnostics;
using System.Text.RegularExpressions;
using Coordinators.Actors.Etcd;
using Coordinators.Tests.Fixtures;
using Mvccpb;
using Xunit.Abstractions;

namespace Coordinators.Tests.Coordination;

/// <summary>
/// Three Akka.NET cluster processes (the akka-singleton example: Akka.Remote on loopback, keep-majority split-brain
/// resolver) run a ClusterSingleton with use-lease on EtcdLease over a real etcd; the singleton makes fenced writes.
/// </summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed partial class SingletonProcessesTests(ITestOutputHelper output)
{
    private const string Ttl = "6s";
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(30);
    private readonly string _root = "singleton-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<Node> _nodes = [];
    // Waits for lines of the nodes that did not win a race; observed once every process is gone.
    private readonly List<Task> _losingWaits = [];

    [Fact]
    public async Task SigkillThenSigstopOfTheHolder_SingletonMovesOnlyAfterTheLease_NeverTwoWriting()
    {
        await using var cluster = await EtcdCluster.StartSingleAsync();
        using var etcd = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls });
        var ports = Enumerable.Range(0, 4).Select(_ => LoopbackPorts.Next()).ToArray();
        var seeds = string.Join(",", ports.Take(3).Select(p => "127.0.0.1:" + p));
        try
        {
            var clock = Stopwatch.StartNew();
            foreach (var port in ports.Take(3))
            {
                Start(cluster, port, seeds);
            }
            // All three Up before any fault: a node still joining when the first seed dies could never join.
            await Task.WhenAll(_nodes.Select(n => n.Runner.WaitForLineAsync(l => l.StartsWith("NODE up", StringComparison.Ordinal), Backstop)));
            var first = await WaitStartedAsync(n => true, 0);
            output.WriteLine($"{clock.ElapsedMilliseconds} ms: singleton on {first.Node.Port}, term {first.Term}");
            await WaitOkWritesAsync(first, 3);

            // SIGKILL the holder: the key stays until its etcd lease expires, and only then may another node take it.
            first.Node.Runner.Signal(UnixSignal.SIGKILL);
            first.Node.Dead = true;
            var killed = clock.Elapsed;
            var second = await WaitStartedAsync(n => n != first.Node, first.Term);
            output.WriteLine($"{clock.ElapsedMilliseconds} ms: singleton on {second.Node.Port}, term {second.Term}, {(clock.Elapsed - killed).TotalMilliseconds:F0} ms after the SIGKILL");
            await WaitOkWritesAsync(second, 3);

            // A fourth process keeps three members, so the next partition has a majority side.
            var replacement = Start(cluster, ports[3], seeds);
            await replacement.Runner.WaitForLineAsync(l => l.StartsWith("NODE up", StringComparison.Ordinal), Backstop);

            // SIGSTOP the holder past the TTL: the singleton starts elsewhere; resumed, the old instance stops unheard.
            second.Node.Runner.Signal(UnixSignal.SIGSTOP);
            var paused = clock.Elapsed;
            var third = await WaitStartedAsync(n => n != second.Node, second.Term);
            output.WriteLine($"{clock.ElapsedMilliseconds} ms: singleton on {third.Node.Port}, term {third.Term}, {(clock.Elapsed - paused).TotalMilliseconds:F0} ms after the SIGSTOP");
            await WaitOkWritesAsync(third, 3);
            second.Node.Runner.Signal(UnixSignal.SIGCONT);
            await second.Node.Runner.WaitForLineAsync(l => l.StartsWith("SINGLETON stopped", StringComparison.Ordinal) && Field(l, "term") == second.Term, Backstop);
            await WaitOkWritesAsync(third, OkWrites(third).Count + 3);
            output.WriteLine($"{clock.ElapsedMilliseconds} ms: the resumed instance stopped; the new one kept writing");

            await CheckHistoryAsync(etcd, [first, second, third]);
        }
        finally
        {
            foreach (var n in _nodes)
            {
                output.WriteLine($"--- node {n.Port} ---\n{string.Join("\n", n.Runner.StandardOutput.Split('\n').Where(l => !l.StartsWith("WRITE ok", StringComparison.Ordinal)))}");
                output.WriteLine($"--- node {n.Port} stderr (tail) ---\n{string.Join("\n", n.Runner.StandardError.Split('\n').TakeLast(15))}");
                if (!n.Dead && !n.Runner.HasExited)
                {
                    UnixSignals.SendOrThrow(n.Runner.ProcessId, UnixSignal.SIGCONT);
                }
                await n.Runner.DisposeAsync();
            }
            // Each ends as soon as its process is gone (with a TimeoutException saying so): nothing to learn from them.
            await Task.WhenAll(_losingWaits.Select(t => t.ContinueWith(static _ => { }, TaskScheduler.Default)));
        }
    }

    /// <summary>What etcd recorded must agree with what the instances reported, and show one writer at a time.</summary>
    private async Task CheckHistoryAsync(EtcdClient etcd, IReadOnlyList<Instance> instances)
    {
        var leaseKey = _root + "/lease/singleton-example-singleton-akka://singleton-example/user/writer";
        // The reports first: every success reported before etcd is read must be in what etcd returns.
        var reported = instances.ToDictionary(i => i.Term, OkWrites);
        var history = await LeaseKeyHistoryAsync(etcd, leaseKey);
        var writes = (await etcd.GetPrefixAsync(_root + "/writes/")).Kvs.ToDictionary(kv => kv.Key.ToStringUtf8(), kv => kv.ModRevision);
        for (var i = 0; i < instances.Count; i++)
        {
            var instance = instances[i];
            // Each instance ran under a term etcd handed out: a PUT creating the key at that revision, later deleted.
            var created = Assert.Single(history, e => e.Type == Event.Types.EventType.Put && e.Kv.CreateRevision == instance.Term);
            Assert.Equal($"singleton-example@127.0.0.1:{instance.Node.Port}", created.Kv.Value.ToStringUtf8());
            var end = history.FirstOrDefault(e => e.Type == Event.Types.EventType.Delete && e.Kv.ModRevision > instance.Term)?.Kv.ModRevision ?? long.MaxValue;
            if (i + 1 < instances.Count)
            {
                // The next term was created only after this one's key was gone: the singleton moved after the lease was free.
                Assert.True(end < instances[i + 1].Term, $"term {instances[i + 1].Term} created while term {instance.Term}'s key lived until {end}");
            }
            // Every write of the term is in etcd inside the term's lifetime, and every reported success is among them.
            var mine = writes.Where(w => w.Key.StartsWith($"{_root}/writes/{instance.Term:D12}/", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(mine);
            Assert.All(mine, w => Assert.InRange(w.Value, instance.Term + 1, end - 1));
            foreach (var ok in reported[instance.Term])
            {
                Assert.Contains($"{_root}/writes/{instance.Term:D12}/{instance.Node.Port}-{ok:D8}", writes.Keys);
            }
        }
        // Counting writers per etcd revision from the instances' own reports: never two.
        var spans = instances.Select(i =>
        {
            var revs = reported[i.Term].Select(seq => writes[$"{_root}/writes/{i.Term:D12}/{i.Node.Port}-{seq:D8}"]).ToList();
            return (First: revs.Min(), Last: revs.Max());
        }).ToList();
        var boundaries = spans.SelectMany(s => new[] { s.First, s.Last }).Distinct();
        Assert.All(boundaries, rev => Assert.True(spans.Count(s => s.First <= rev && rev <= s.Last) <= 1, $"two instances were writing at revision {rev}"));
        // The resumed instance made no write after its term ended: its writes all precede the next term.
        Assert.True(spans[1].Last < instances[2].Term);
    }

    private static async Task<List<Event>> LeaseKeyHistoryAsync(EtcdClient etcd, string key)
    {
        var now = (await etcd.GetAsync(key)).Header.Revision;
        var events = new List<Event>();
        using var cts = new CancellationTokenSource(Backstop);
        await foreach (var r in etcd.Watch(key, new WatchOptions { StartRevision = 1 }, cts.Token))
        {
            events.AddRange(r.Events);
            if (r.Header.Revision >= now)
            {
                break;
            }
        }
        return events;
    }

    private Node Start(EtcdCluster cluster, int port, string seeds)
    {
        var runner = HostRunner.StartProcess("dotnet", [ExampleDll, "--etcd", string.Join(",", cluster.ClientUrls), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--seeds", seeds, "--root", _root, "--ttl", Ttl, "--interval", "1s", "--write-every", "100ms", "--stop-on-stdin-eof"]);
        var node = new Node(port, runner);
        _nodes.Add(node);
        return node;
    }

    private async Task<Instance> WaitStartedAsync(Func<Node, bool> where, long afterTerm)
    {
        var waits = _nodes.Where(n => !n.Dead && where(n)).Select(async n =>
        {
            var line = await n.Runner.WaitForLineAsync(l => l.StartsWith("SINGLETON started", StringComparison.Ordinal) && Field(l, "term") > afterTerm, Backstop);
            return new Instance(n, Field(line, "term"));
        }).ToList();
        var won = await Task.WhenAny(waits);
        _losingWaits.AddRange(waits.Where(w => w != won));
        return await won;
    }

    private static async Task WaitOkWritesAsync(Instance i, int count) =>
        await i.Node.Runner.WaitForLineAsync(l => l.StartsWith("WRITE ok", StringComparison.Ordinal) && Field(l, "term") == i.Term && Field(l, "seq") >= count, Backstop);

    private static List<long> OkWrites(Instance i) =>
        i.Node.Runner.StandardOutput.Split('\n')
            .Where(l => l.StartsWith("WRITE ok", StringComparison.Ordinal) && Field(l, "term") == i.Term)
            .Select(l => Field(l, "seq")).ToList();

    private static long Field(string line, string name)
    {
        var m = FieldPattern().Matches(line).FirstOrDefault(m => m.Groups[1].Value == name);
        return m is null ? -1 : long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"\b([a-z]+)=(\d+)\b")]
    private static partial Regex FieldPattern();

    private static string ExampleDll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
            var dll = Path.Combine(HostRunner.RepositoryRoot, "examples", "AkkaSingleton", "bin", configuration, "net10.0", "akka-singleton.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"the example is not built: {dll} (run ./build.sh build)");
        }
    }

    private sealed class Node(int port, HostRunner runner)
    {
        public int Port { get; } = port;

        public HostRunner Runner { get; } = runner;

        public bool Dead { get; set; }
    }

    private sealed record Instance(Node Node, long Term);
}
