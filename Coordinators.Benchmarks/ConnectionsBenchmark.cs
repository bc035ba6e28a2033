using Coordinators.Tests.Connections;
using System.Diagnostics;
using System.Globalization;
using Coordinators.Actors.Components;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Config;
using Coordinators.Actors.Connections;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Transport;
using Grpc.Core;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Benchmarks;

/// <summary>
/// The ConnectionManager (MEP 2) against a private etcd and real in-process gRPC component servers: fail-fast
/// latency to an offline target, abort latency from the DELETE event to the failed call, 50 dependencies brought
/// Online in parallel beside one after another, and churn (500 sessions joining and leaving at 100/s) with the live
/// ClientActor count, threads and memory at the end. Args: [CHURN_SESSIONS=500] [RATE_PER_S=100].
/// </summary>
internal sealed class ConnectionsBenchmark : IBenchmark
{
    public string Name => "connections";

    public string Description => "ConnectionManager: fail-fast, abort on DELETE, 50 connects parallel vs sequential, churn leak check";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var churnSessions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500;
        var rate = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        await using var etcdProcess = await EmbeddedEtcd.StartAsync(BenchmarkEtcd.Options("connections"), cancellationToken);
        using var etcd = new EtcdClient(etcdProcess.Endpoint);
        Console.WriteLine($"etcd {etcdProcess.Endpoint}; {Environment.ProcessorCount} cores");

        await FailFastAsync(etcd, cancellationToken);
        await AbortAsync(etcd, cancellationToken);
        await ParallelConnectAsync(etcd, cancellationToken);
        await ChurnAsync(etcd, churnSessions, rate, cancellationToken);
        return 0;
    }

    private static async Task FailFastAsync(EtcdClient etcd, CancellationToken ct)
    {
        var layout = NewLayout();
        await etcd.PutAsync(layout.SessionKey(Roles.QueryNode, 1), new SessionInfo { ServerId = 1, Role = Roles.QueryNode, Address = "127.0.0.1:9" }.ToJson(), cancellationToken: ct);
        await using var cm = new ConnectionManager(etcd, new ConnectionManagerOptions { Layout = layout, Connect = new RetryPolicyOptions { MaxAttempts = 1, AttemptTimeout = TimeSpan.FromSeconds(2) } });
        await cm.AddDependencyAsync(Roles.QueryNode, cancellationToken: ct);
        await cm.WaitForAsync(Roles.QueryNode, () => cm.GetAllClients(Roles.QueryNode) is [{ State: ClientState.Offline }], ct);
        var server = cm.ForServer(1);
        var role = cm.ForRole(Roles.QueryNode);
        var samples = new List<double>();
        for (var i = 0; i < 20_000; i++)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await (i % 2 == 0 ? server : role).PingAsync(new PingRequest());
            }
            catch (RpcException)
            {
            }
            if (i >= 2_000)
            {
                samples.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
            }
        }
        Console.WriteLine($"fail-fast, offline target ({samples.Count} calls):  p50 {Percentile(samples, 50):0.0} us  p99 {Percentile(samples, 99):0.0} us  max {samples.Max():0.0} us   (limit 5000 us)");
    }

    private static async Task AbortAsync(EtcdClient etcd, CancellationToken ct)
    {
        var layout = NewLayout();
        await using var host = new ComponentHost(Roles.DataNode).UseGrpcServer("127.0.0.1:0");
        await host.StartAsync(ct);
        host.SetState(Actors.Components.StateCode.Healthy, "bench");
        await using var cm = new ConnectionManager(etcd, new ConnectionManagerOptions { Layout = layout });
        await cm.AddDependencyAsync(Roles.DataNode, cancellationToken: ct);
        var samples = new List<double>();
        for (var id = 1L; id <= 30; id++)
        {
            host.SetSession(id, 0, "bench");
            var key = layout.SessionKey(Roles.DataNode, id);
            await etcd.PutAsync(key, new SessionInfo { ServerId = id, Role = Roles.DataNode, Address = host.Address }.ToJson(), cancellationToken: ct);
            await cm.WaitForAsync(Roles.DataNode, () => cm.IsOnline(id), ct);
            using var watchCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var deleteSeen = await DeleteWatch.StartAsync(etcd, layout, key, watchCts.Token);
            var work = cm.ForServer(id).WorkAsync(new WorkRequest { Milliseconds = 5000 });
            var failedAt = work.ContinueWith(_ => Stopwatch.GetTimestamp(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            await etcd.DeleteAsync(key, cancellationToken: ct);
            var seen = await deleteSeen;
            var failed = await failedAt;
            if (work.Exception?.InnerException is not RpcException { StatusCode: StatusCode.Unavailable })
            {
                throw new InvalidOperationException($"Work ended with {work.Status}: {work.Exception?.InnerException?.Message}");
            }
            samples.Add(Stopwatch.GetElapsedTime(seen, failed).TotalMilliseconds);
        }
        // Negative: the manager's own watch saw the event before the benchmark's watch did.
        Console.WriteLine($"abort, DELETE event -> Work(5000) failed Unavailable ({samples.Count} runs):  p50 {Percentile(samples, 50):0.00} ms  max {samples.Max():0.00} ms   (limit 100 ms)");
    }

    private static async Task ParallelConnectAsync(EtcdClient etcd, CancellationToken ct)
    {
        const int count = 50;
        var hosts = new List<ComponentHost>();
        try
        {
            for (var id = 1; id <= count; id++)
            {
                var host = new ComponentHost(Roles.IndexNode).UseGrpcServer("127.0.0.1:0");
                await host.StartAsync(ct);
                host.SetSession(id, 0, "bench");
                host.SetState(Actors.Components.StateCode.Healthy, "bench");
                hosts.Add(host);
            }
            string Session(ComponentHost h) => new SessionInfo { ServerId = h.ServerId, Role = Roles.IndexNode, Address = h.Address }.ToJson();

            // Parallel: every session appears in one transaction; the manager connects to all at once.
            var layout = NewLayout();
            await using var parallel = new ConnectionManager(etcd, new ConnectionManagerOptions { Layout = layout });
            await parallel.AddDependencyAsync(Roles.IndexNode, cancellationToken: ct);
            var started = Stopwatch.GetTimestamp();
            await etcd.Txn().Then(hosts.Select(h => Op.Put(layout.SessionKey(Roles.IndexNode, h.ServerId), Session(h))).ToArray()).CommitAsync(ct);
            await parallel.WaitForClientsAsync(Roles.IndexNode, count, ct);
            var parallelMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

            // Baseline: the same 50, one after another (put, wait Online, next), in a fresh manager and fresh connections.
            var seqLayout = NewLayout();
            await using var sequential = new ConnectionManager(etcd, new ConnectionManagerOptions { Layout = seqLayout });
            await sequential.AddDependencyAsync(Roles.IndexNode, cancellationToken: ct);
            started = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                await etcd.PutAsync(seqLayout.SessionKey(Roles.IndexNode, hosts[i].ServerId), Session(hosts[i]), cancellationToken: ct);
                await sequential.WaitForClientsAsync(Roles.IndexNode, i + 1, ct);
            }
            var sequentialMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            Console.WriteLine($"{count} dependencies Online: parallel {parallelMs:0.0} ms, one after another {sequentialMs:0.0} ms (ratio {sequentialMs / parallelMs:0.0}x)");
        }
        finally
        {
            foreach (var h in hosts)
            {
                await h.DisposeAsync();
            }
        }
    }

    private static async Task ChurnAsync(EtcdClient etcd, int sessions, int ratePerSecond, CancellationToken ct)
    {
        var layout = NewLayout();
        var directory = new LocalComponentDirectory();
        var factory = new InProcessComponentClientFactory(directory, new GrpcComponentClientFactory());
        ThreadPool.GetAvailableThreads(out _, out _);
        var threadsBefore = ThreadPool.ThreadCount;
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        await using (var cm = new ConnectionManager(etcd, new ConnectionManagerOptions { Layout = layout, ClientFactory = factory }))
        {
            await cm.AddDependencyAsync(Roles.QueryNode, cancellationToken: ct);
            var interval = TimeSpan.FromSeconds(1.0 / ratePerSecond);
            var lifetime = TimeSpan.FromSeconds(1);
            var leaves = new PriorityQueue<long, long>();
            var started = Stopwatch.GetTimestamp();
            var peak = 0;
            for (var id = 1L; id <= sessions || leaves.Count > 0;)
            {
                var now = Stopwatch.GetElapsedTime(started);
                if (id <= sessions && now >= interval * (id - 1))
                {
                    directory.Register(new ChurnService(id));
                    // Half are reachable in-process, half point at a closed port (connect fails, gRPC channel made and dropped).
                    var address = id % 2 == 0 ? "in-process" : "127.0.0.1:9";
                    await etcd.PutAsync(layout.SessionKey(Roles.QueryNode, id), new SessionInfo { ServerId = id, Role = Roles.QueryNode, Address = address }.ToJson(), cancellationToken: ct);
                    if (id % 2 == 1)
                    {
                        directory.Unregister(id);
                    }
                    leaves.Enqueue(id, (long)(now + lifetime).TotalMilliseconds);
                    id++;
                }
                else if (leaves.TryPeek(out var leaving, out var at) && now.TotalMilliseconds >= at)
                {
                    leaves.Dequeue();
                    await etcd.DeleteAsync(layout.SessionKey(Roles.QueryNode, leaving), cancellationToken: ct);
                    directory.Unregister(leaving);
                }
                else
                {
                    await Task.Delay(1, ct);
                }
                peak = Math.Max(peak, cm.Registry.Count);
            }
            var churnSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            using (var drained = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                drained.CancelAfter(TimeSpan.FromSeconds(30));
                await cm.WaitForAsync(Roles.QueryNode, () => cm.Registry.Count == 0, drained.Token);
            }
            Console.WriteLine($"churn: {sessions} sessions joined and left at {ratePerSecond}/s over {churnSeconds:0.0} s; peak {peak} live clients; after the last DELETE: registry {cm.Registry.Count}, live ClientActors {ClientActorCount()}");
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"churn end (manager disposed): live ClientActors {ClientActorCount()}, thread-pool threads {threadsBefore} -> {ThreadPool.ThreadCount}, pending work items {ThreadPool.PendingWorkItemCount}, managed heap {memoryBefore / 1024.0 / 1024:0.0} -> {memoryAfter / 1024.0 / 1024:0.0} MiB");
    }

    private static int ClientActorCount() => ClientActor.LiveCount;

    private static EtcdLayout NewLayout() => new("bench" + Guid.NewGuid().ToString("N")[..8]);

    private static double Percentile(List<double> samples, double p)
    {
        var sorted = samples.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private sealed class ChurnService(long serverId) : IComponentService
    {
        public long ServerId => serverId;

        public Task<ComponentStates> GetComponentStatesAsync(GetComponentStatesRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new ComponentStates { Role = Roles.QueryNode, ServerId = serverId, State = Actors.Components.Proto.StateCode.Healthy });

        public Task<PingResponse> PingAsync(PingRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new PingResponse { ServerId = serverId });

        public Task<WorkResponse> WorkAsync(WorkRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new WorkResponse { ServerId = serverId });

        public Task<ProxyResponse> ProxyAsync(ProxyRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new ProxyResponse());
    }
}
