using System.Text.Json.Nodes;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;
using Coordinators.Actors.Sessions;
using Coordinators.Host.Demo;

namespace Coordinators.Host.Chaos;

/// <summary>
/// Runs <c>coordinators chaos</c>: three etcd members, the children under a fresh root, the observers (an etcd
/// watch and a GetComponentStates of every process every 50 ms), a workload, then seeded faults one at a time until
/// the duration is spent; then checks, report and timeline. Every child and etcd member is stopped before
/// <see cref="RunAsync"/> returns.
/// </summary>
internal sealed class ChaosOrchestrator
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly string[] OwnFolders = ["logs", "etcd"];

    private readonly ChaosOptions _options;
    private readonly TextWriter _out;
    private readonly DemoEvents _events = new();
    private volatile ChildProcessSet? _children;
    private volatile ChaosNetwork? _network;

    public ChaosOrchestrator(ChaosOptions options, TextWriter output)
    {
        _options = options;
        _out = output;
    }

    /// <summary>The checks of the finished run.</summary>
    public IReadOnlyList<InvariantResult> Checks { get; private set; } = [];

    /// <summary>True once report.json of this run was written (not when the run could not start).</summary>
    public bool ReportWritten { get; private set; }

    /// <summary>The per-kind summary of the finished run.</summary>
    public IReadOnlyList<ChaosKindRow> Summary { get; private set; } = [];

    /// <summary>SIGKILL of every child still running, then the network's removal: the safety net when the process exits early.</summary>
    public void KillEverything()
    {
        _children?.KillAllNow();
        if (_network is { } network && !network.RemoveAsync().Wait(TimeSpan.FromSeconds(5)))
        {
            _out.WriteLine("partitions: the network was not removed within 5 s; the next run removes its leftovers");
        }
    }

    /// <summary>
    /// Makes the hosts (network namespaces when partitions run), runs, and removes the network again however the run
    /// ends (every process has stopped by then).
    /// </summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        ChaosNetwork network;
        try
        {
            network = await ChaosNetwork.CreateAsync(_options.Partitions, ChildProcessSet.Names(ChaosOptions.Layout)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DemoFailedException or NetnsException)
        {
            await Line("partitions: " + e.Message).ConfigureAwait(false);
            return DemoOrchestrator.Failed;
        }
        _network = network;
        await Line(network.Describe()).ConfigureAwait(false);
        try
        {
            return await RunOnAsync(network, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (await network.RemoveAsync().ConfigureAwait(false) is { Count: > 0 } left)
            {
                await Line("partitions: " + string.Join("; ", left)).ConfigureAwait(false);
            }
        }
    }

    private async Task<int> RunOnAsync(ChaosNetwork network, CancellationToken cancellationToken)
    {
        var outDir = Path.GetFullPath(_options.OutDir);
        // Only what a previous run wrote: --out may point at a folder that holds other files.
        foreach (var dir in OwnFolders.Select(d => Path.Combine(outDir, d)).Where(Directory.Exists))
        {
            Directory.Delete(dir, recursive: true);
        }
        Directory.CreateDirectory(outDir);
        await using var etcd = await EtcdTrio.StartAsync(Path.Combine(outDir, "etcd"), _events, cancellationToken, network.Network).ConfigureAwait(false);
        await Line($"etcd: 3 members {etcd.Endpoints}").ConfigureAwait(false);
        var demoOptions = new DemoOptions { Ttl = _options.Ttl, OutDir = outDir, Seed = _options.Seed, Root = _options.Root, Faults = "chaos", WorkloadLoops = 4, WorkloadRate = 80 };
        var children = new ChildProcessSet(ChaosOptions.Layout, new ChildLauncher(etcd.Endpoints, _options.Root, _options.Ttl), _events, Path.Combine(outDir, "logs"), hostOf: network.HostOf);
        _children = children;
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = etcd.ClientUrls, DialTimeout = TimeSpan.FromMilliseconds(500) });
        using var calls = new ComponentCalls();
        var view = new ClusterView(client, new EtcdLayout(_options.Root), _events);
        // Every process slot is asked on its own listen address, with or without a session in etcd.
        var targets = children.All.Select(c => new SampleTarget(c.ListenAddress, c.Role, 0)).ToList();
        var sampler = new StateSampler(calls, view, _events, () => targets);
        var observer = new ChaosObserver(sampler);
        var workload = new Workload(calls, view, _events, demoOptions.WorkloadLoops, demoOptions.WorkloadRate);
        // The duties (timestamps, IDs, segment meta) through every fault, checked as in the demo.
        var duties = new DutyWorkload(calls, view, _events, loops: 2, interval: TimeSpan.FromMilliseconds(50));
        var demoRunner = new FaultRunner(demoOptions, children, view, sampler, workload, _events);
        var partitions = network.Network is { } n ? new ChaosPartitionRunner(n, children, view, etcd, workload, _events, _options.Ttl) : null;
        var kinds = network.Kinds.Where(_options.Faults.Contains).ToList();
        if (kinds.Count == 0)
        {
            await Line($"--faults {string.Join(',', _options.Faults.Select(k => k.CliName()))}: none of these can run here (partitions are off)").ConfigureAwait(false);
            return DemoOrchestrator.Failed;
        }
        // A fault's window closes after one TTL plus etcd's 500 ms lease-expiry tick without a membership change.
        var settle = new ClusterSettle(_events, _options.Ttl + TimeSpan.FromMilliseconds(500));
        var runner = new ChaosFaultRunner(demoRunner, children, view, sampler, observer, etcd, workload, _events, ChaosOptions.FaultRoles, settle, partitions);
        var schedule = new List<ChaosFault>();
        var results = new List<ChaosFaultResult>();
        using var watchers = new CancellationTokenSource();
        using var load = new CancellationTokenSource();
        var viewTask = view.RunAsync(watchers.Token);
        var samplerTask = sampler.RunAsync(watchers.Token);
        var workloadTask = Task.CompletedTask;
        var dutiesTask = Task.CompletedTask;
        IReadOnlyList<InvariantResult> dutyResults = [];
        string? fatal = null;
        double readyMs = 0, stopMs;
        IReadOnlyDictionary<string, long> epochsAtStart = new Dictionary<string, long>();
        IReadOnlyDictionary<string, long> epochsAtEnd;
        IReadOnlyList<string> finalProblems = [];
        try
        {
            children.StartAll();
            if (!await demoRunner.WaitWholeAsync(StartTimeout, cancellationToken).ConfigureAwait(false))
            {
                throw new DemoFailedException($"the cluster did not form within {StartTimeout.TotalSeconds:F0} s: " + string.Join("; ", children.Problems(view.Current, sampler.Latest)));
            }
            if (await workload.WaitFlowingAsync(StartTimeout, cancellationToken).ConfigureAwait(false) is { Count: > 0 } stuck)
            {
                throw new DemoFailedException($"the cluster formed but calls through the proxy did not go through within {StartTimeout.TotalSeconds:F0} s: " + string.Join("; ", stuck));
            }
            readyMs = _events.NowMs;
            epochsAtStart = view.Current.Epochs;
            _events.Add("cluster-ready");
            await Line($"cluster ready after {readyMs / 1000:F1} s: {children.All.Count} processes; settling 3 s, then faults for {_options.Duration.TotalSeconds:F0} s (seed {_options.Seed}, ttl {_options.Ttl.TotalSeconds:F0} s)").ConfigureAwait(false);
            workloadTask = workload.RunAsync(load.Token);
            dutiesTask = duties.RunAsync(load.Token);
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);
            var faultsUntil = _events.NowMs + _options.Duration.TotalMilliseconds;
            foreach (var fault in ChaosPlan.Create(_options.Seed, ChaosOptions.FaultRoles, kinds))
            {
                if (_events.NowMs >= faultsUntil)
                {
                    break;
                }
                schedule.Add(fault);
                var result = await runner.RunAsync(fault, cancellationToken).ConfigureAwait(false);
                results.Add(result);
                await Line(ChaosReport.Legend(result)).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromMilliseconds(fault.GapMs), cancellationToken).ConfigureAwait(false);
            }
            await demoRunner.WaitWholeAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            finalProblems = children.Problems(view.Current, sampler.Latest);
        }
        catch (DemoFailedException e)
        {
            fatal = e.Message;
            await Line(e.Message).ConfigureAwait(false);
        }
        finally
        {
            await load.CancelAsync().ConfigureAwait(false);
            await workloadTask.ConfigureAwait(false);
            await dutiesTask.ConfigureAwait(false);
            if (readyMs > 0)
            {
                dutyResults = await CheckDutiesAsync(client, duties, cancellationToken).ConfigureAwait(false);
            }
            epochsAtEnd = view.Current.Epochs;
            stopMs = _events.NowMs;
            _events.Add("stop");
            await children.StopAllAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            await watchers.CancelAsync().ConfigureAwait(false);
            await samplerTask.ConfigureAwait(false);
            await QuietlyAsync(viewTask).ConfigureAwait(false);
        }
        await etcd.DisposeAsync().ConfigureAwait(false);
        etcd.DeleteData();
        // Every process of the run has stopped: nothing runs in the namespaces any more.
        var networkLeft = await network.RemoveAsync().ConfigureAwait(false);
        var surviving = children.SurvivingPids().Concat(etcd.SurvivingPids()).ToList();
        var log = _events.Snapshot();
        var takeoversInRun = ChaosFaultRunner.TakeoversBetween(log, readyMs, stopMs);
        var runTakeovers = ChaosOptions.Layout.Where(l => Roles.IsCoordinator(l.Role))
            .ToDictionary(l => l.Role, l => takeoversInRun.Count(r => r == l.Role), StringComparer.Ordinal);
        var evidence = new ChaosEvidence(results, observer.Intervals(), sampler.SampleCount, sampler.ViolationCount, sampler.Violations, log,
            stopMs, fatal is null ? finalProblems : [fatal], surviving, epochsAtStart, epochsAtEnd, runTakeovers, _options.RecoveryBound, networkLeft, workload.Records());
        Checks = [.. ChaosChecker.Check(evidence), .. dutyResults];
        Summary = ChaosSummary.Rows(results);
        var exit = fatal is null && Checks.All(c => c.Passed) ? 0 : DemoOrchestrator.Failed;
        var run = new DemoRun(demoOptions, etcd.Endpoints, false, children.All, results.Select(r => r.Fault.DemoFault).OfType<Fault>().ToList(),
            results.Select(r => r.Demo).OfType<FaultResult>().ToList(), Checks, workload.PerSecond(), _events.Snapshot(), surviving, readyMs, _events.NowMs, false, exit, _events.StartedAt);
        await ChaosReport.WriteAsync(run, _options, etcd, schedule, results, outDir, network.Json()).ConfigureAwait(false);
        ReportWritten = true;
        return exit;
    }

    /// <summary>The duties' invariants (DutyInvariants) while the children still run; an etcd that fails the reads fails them.</summary>
    private async Task<IReadOnlyList<InvariantResult>> CheckDutiesAsync(EtcdClient etcd, DutyWorkload duties, CancellationToken cancellationToken)
    {
        try
        {
            return await DutyInvariants.CheckAsync(etcd, new EtcdLayout(_options.Root), duties, _events, cancellationToken).ConfigureAwait(false);
        }
        catch (Grpc.Core.RpcException e)
        {
            return [new(DutyInvariants.MetaIntact, false, $"could not read the segment table from etcd: {e.StatusCode}: {e.Status.Detail}")];
        }
    }

    private Task Line(string text) => _out.WriteLineAsync($"[{_events.NowMs / 1000,7:F1} s] {text}");

    private async Task QuietlyAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or EtcdCompactedException or EtcdWatchCanceledException)
        {
            await Line("etcd watch ended: " + e.Message).ConfigureAwait(false);
        }
    }
}
