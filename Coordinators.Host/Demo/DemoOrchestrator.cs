using System.Text.Json.Nodes;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Host.Demo;

/// <summary>
/// Runs the whole demo: etcd, the children, the watchers, the workload and the faults, then checks the
/// invariants and writes the report and the timeline. Whatever happens (failure, Ctrl-C) every child and the
/// embedded etcd are stopped before <see cref="RunAsync"/> returns.
/// </summary>
internal sealed class DemoOrchestrator
{
    /// <summary>Exit code of a run interrupted by Ctrl-C (128 + SIGINT), as shells expect.</summary>
    public const int Interrupted = 130;

    /// <summary>Exit code when an invariant did not hold or the cluster never formed.</summary>
    public const int Failed = 1;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly DemoOptions _options;
    private readonly TextWriter _error;
    private readonly DemoEvents _events = new();
    // Set once the children exist, for the process-exit safety net.
    private volatile ChildProcessSet? _children;

    public DemoOrchestrator(DemoOptions options, TextWriter error)
    {
        _options = options;
        _error = error;
    }

    /// <summary>The run's final figures once <see cref="RunAsync"/> finished; null before.</summary>
    public DemoRun? Result { get; private set; }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var outDir = Path.GetFullPath(_options.OutDir);
        PrepareOutDir(outDir);
        var plan = FaultPlan.Create(_options.Faults, _options.Seed);
        EmbeddedEtcd? embedded = null;
        if (_options.EtcdEndpoints is null)
        {
            embedded = await EmbeddedEtcd.StartAsync(new EmbeddedEtcdOptions { Directory = Path.Combine(outDir, "etcd") }, cancellationToken).ConfigureAwait(false);
        }
        var endpoint = _options.EtcdEndpoints ?? embedded!.Endpoint;
        _events.Add("etcd", null, new JsonObject { ["endpoint"] = endpoint, ["embedded"] = embedded is not null, ["pid"] = embedded?.ProcessId });

        var children = new ChildProcessSet(_options, new ChildLauncher(endpoint, _options.Root, _options.Ttl), _events, Path.Combine(outDir, "logs"), FaultKinds.GuardedRoles(plan));
        _children = children;
        using var etcd = new EtcdClient(new EtcdClientOptions { Endpoints = endpoint.Split(',', StringSplitOptions.RemoveEmptyEntries) });
        using var calls = new ComponentCalls();
        var view = new ClusterView(etcd, new EtcdLayout(_options.Root), _events);
        var sampler = new StateSampler(calls, view, _events);
        var workload = new Workload(calls, view, _events, _options.WorkloadLoops, _options.WorkloadRate);
        var duties = new DutyWorkload(calls, view, _events, loops: 2, interval: TimeSpan.FromMilliseconds(50));
        IReadOnlyList<InvariantResult> dutyResults = [];
        var table = new LiveTable(view, sampler, workload, children, _events, _options.Interactive);
        var runner = new FaultRunner(_options, children, view, sampler, workload, _events);

        using var watchers = new CancellationTokenSource();
        using var load = new CancellationTokenSource();
        var viewTask = view.RunAsync(watchers.Token);
        var samplerTask = sampler.RunAsync(watchers.Token);
        var tableTask = table.RunAsync(watchers.Token);
        Task workloadTask = Task.CompletedTask;
        Task dutiesTask = Task.CompletedTask;
        var results = new List<FaultResult>();
        var interrupted = false;
        var fatal = (string?)null;
        double readyMs = 0;
        IReadOnlyDictionary<string, long> epochsAtStart = new Dictionary<string, long>();
        IReadOnlyList<string> finalProblems = [];
        try
        {
            table.Status = $"starting {children.All.Count} processes on etcd {endpoint} (root {_options.Root}, ttl {_options.Ttl.TotalSeconds:F0} s)";
            children.StartAll();
            if (!await runner.WaitWholeAsync(StartTimeout, cancellationToken).ConfigureAwait(false))
            {
                throw new DemoFailedException("the cluster did not form within " + StartTimeout.TotalSeconds + " s: "
                    + string.Join("; ", children.Problems(view.Current, sampler.Latest)));
            }
            if (await workload.WaitFlowingAsync(StartTimeout, cancellationToken).ConfigureAwait(false) is { Count: > 0 } stuck)
            {
                throw new DemoFailedException($"the cluster formed but calls through the proxy did not go through within {StartTimeout.TotalSeconds:F0} s: " + string.Join("; ", stuck));
            }
            readyMs = _events.NowMs;
            epochsAtStart = view.Current.Epochs;
            _events.Add("cluster-ready");
            table.FollowEvents();
            table.Status = $"cluster ready after {readyMs / 1000:F1} s; workload on";
            workloadTask = workload.RunAsync(load.Token);
            dutiesTask = duties.RunAsync(load.Token);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            foreach (var fault in plan)
            {
                table.Status = $"fault {fault.Index}/{plan.Count}: {fault.Label} of {fault.Role}";
                var result = await runner.RunAsync(fault, cancellationToken).ConfigureAwait(false);
                results.Add(result);
                table.Status = Summary(result);
                await Task.Delay(TimeSpan.FromMilliseconds(700), cancellationToken).ConfigureAwait(false);
            }
            table.Status = "faults done; last checks";
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            await runner.WaitWholeAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            finalProblems = children.Problems(view.Current, sampler.Latest);
            await load.CancelAsync().ConfigureAwait(false);
            await dutiesTask.ConfigureAwait(false);
            dutyResults = await DutyInvariants.CheckAsync(etcd, new EtcdLayout(_options.Root), duties, _events, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            interrupted = true;
            table.Line("interrupted: stopping every process");
        }
        catch (DemoFailedException e)
        {
            fatal = e.Message;
            table.Line(e.Message);
        }
        finally
        {
            // A Ctrl-C that landed where nothing awaited the token (a wait that returns false, the last checks)
            // still makes this an interrupted run.
            interrupted |= cancellationToken.IsCancellationRequested;
            await load.CancelAsync().ConfigureAwait(false);
            await workloadTask.ConfigureAwait(false);
            await dutiesTask.ConfigureAwait(false);
            // The epochs at the end are read while etcd still runs and the children still hold their sessions.
            var epochsAtEnd = view.Current.Epochs;
            // Takeovers are counted up to the same moment: stopping every child at once lets a standby take over
            // from a primary that resigned first, and that takeover is not part of the run being checked.
            var endMs = _events.NowMs;
            table.Status = "recording each process's metrics";
            var metrics = await MetricsRecorder.RecordAsync(children.All, outDir, CancellationToken.None).ConfigureAwait(false);
            table.Status = "stopping the cluster";
            await children.StopAllAsync(interrupted ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            await watchers.CancelAsync().ConfigureAwait(false);
            await Quietly(viewTask).ConfigureAwait(false);
            await samplerTask.ConfigureAwait(false);
            await tableTask.ConfigureAwait(false);
            if (embedded is not null)
            {
                await embedded.StopAsync(deleteData: true).ConfigureAwait(false);
            }
            else
            {
                await RemoveDemoKeysAsync(etcd, children, table).ConfigureAwait(false);
            }
            var takeovers = Takeovers(readyMs, endMs);
            IReadOnlyList<InvariantResult> invariants = interrupted ? [] : [.. InvariantChecker.Check(results, sampler, workload.Records(), fatal is null ? finalProblems : [fatal], epochsAtStart, epochsAtEnd, takeovers), .. dutyResults];
            var exit = interrupted ? Interrupted : fatal is null && invariants.All(i => i.Passed) ? 0 : Failed;
            Result = new DemoRun(_options, endpoint, embedded is not null, children.All, plan, results, invariants, workload.PerSecond(),
                _events.Snapshot(), children.SurvivingPids(), readyMs, _events.NowMs, interrupted, exit, _events.StartedAt, metrics);
            await DemoReport.WriteAsync(Result, Path.Combine(outDir, "report.json")).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(outDir, "timeline.svg"), TimelineSvg.Render(Result), CancellationToken.None).ConfigureAwait(false);
        }
        return Result!.ExitCode;
    }

    /// <summary>
    /// On a user's etcd (<c>--etcd</c>) the run's own prefix is removed once every child is gone: the epochs and the
    /// ServerID counter would otherwise stay behind under a root nobody uses again. A child still running keeps its
    /// keys, and a failure to delete is reported, never fatal: the run's figures are already known.
    /// </summary>
    private async Task RemoveDemoKeysAsync(EtcdClient etcd, ChildProcessSet children, LiveTable table)
    {
        var prefix = _options.Root + "/";
        var surviving = children.SurvivingPids();
        if (surviving.Count > 0)
        {
            table.Line($"kept the keys under {prefix} on etcd: {surviving.Count} child process(es) still run (pids {string.Join(", ", surviving)})");
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var deleted = await etcd.DeletePrefixAsync(prefix, cancellationToken: timeout.Token).ConfigureAwait(false);
            _events.Add("etcd-cleanup", null, new JsonObject { ["prefix"] = prefix, ["deleted"] = deleted.Deleted });
            table.Line($"removed the demo's {deleted.Deleted} key(s) under {prefix} from etcd");
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or OperationCanceledException)
        {
            table.Line($"could not remove the demo's keys under {prefix} from etcd: {e.Message}");
        }
    }

    /// <summary>SIGKILL of every child still running: the safety net when the process exits before RunAsync finished.</summary>
    public void KillEverything() => _children?.KillAllNow();

    private static void PrepareOutDir(string outDir)
    {
        Directory.CreateDirectory(outDir);
        // Only what a previous run wrote: --out may point at a folder that holds other files.
        foreach (var dir in new[] { "logs", "etcd" })
        {
            var path = Path.Combine(outDir, dir);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        foreach (var file in new[] { "report.json", "timeline.svg" })
        {
            File.Delete(Path.Combine(outDir, file));
        }
    }

    /// <summary>Per role, how often another server published the active key between the cluster being ready and <paramref name="endMs"/>.</summary>
    private Dictionary<string, int> Takeovers(double readyMs, double endMs)
    {
        var counts = Roles.Coordinators.ToDictionary(r => r, _ => 0, StringComparer.Ordinal);
        var last = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in _events.Snapshot().Where(e => e.Kind == "active-put"))
        {
            var role = e.Data["role"]!.GetValue<string>();
            var serverId = e.Data["serverId"]!.GetValue<long>();
            if (e.AtMs > endMs)
            {
                continue;
            }
            if (e.AtMs > readyMs && last.TryGetValue(role, out var previous) && previous != serverId)
            {
                counts[role]++;
            }
            last[role] = serverId;
        }
        return counts;
    }

    private static string Summary(FaultResult r) =>
        $"fault {r.Fault.Index}: {r.Fault.Label} {r.Fault.Role} -> "
        + (r.Fault.Kind.IsNode() ? $"session gone after {r.SessionGoneMs:F0} ms" : $"new primary after {r.FailoverMs:F0} ms")
        + $", back after {r.RejoinedMs:F0} ms, {r.CallsFailed} failed calls"
        + (r.Problem is null ? "" : " — " + r.Problem);

    private async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            // The watch ending with an error after etcd went away is expected; anything earlier was already visible.
            await _error.WriteLineAsync("demo: etcd watch ended: " + e.Message).ConfigureAwait(false);
        }
    }
}

/// <summary>The demo could not get far enough to check its invariants.</summary>
internal sealed class DemoFailedException(string message) : Exception(message);
