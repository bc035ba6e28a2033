using System.Text.Json.Nodes;
using Coordinators.Actors.Model;
using Coordinators.Host.Demo;

namespace Coordinators.Host.Chaos;

/// <summary>
/// Injects one chaos fault and measures it. Primary faults go through the demo's <see cref="FaultRunner"/> (signal,
/// wait for the new primary, restart or resume, wait for the rejoin); standby kills and etcd faults are injected here,
/// partitions by the <see cref="ChaosPartitionRunner"/>.
/// Every fault ends with the cluster whole again and its membership quiet for a TTL (<see cref="ClusterSettle"/>), then
/// the run's own observation is read for the fault's window.
/// </summary>
internal sealed class ChaosFaultRunner
{
    private static readonly TimeSpan WholeTimeout = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan EtcdPause = TimeSpan.FromSeconds(2);

    private readonly FaultRunner _demo;
    private readonly ChildProcessSet _children;
    private readonly ClusterView _view;
    private readonly ChaosObserver _observer;
    private readonly StateSampler _sampler;
    private readonly EtcdTrio _etcd;
    private readonly Workload _workload;
    private readonly DemoEvents _events;
    private readonly IReadOnlyList<string> _roles;
    private readonly ChaosPartitionRunner? _partitions;
    private readonly ClusterSettle _settle;

    public ChaosFaultRunner(FaultRunner demo, ChildProcessSet children, ClusterView view, StateSampler sampler, ChaosObserver observer, EtcdTrio etcd, Workload workload, DemoEvents events, IReadOnlyList<string> roles, ClusterSettle settle, ChaosPartitionRunner? partitions = null)
    {
        _settle = settle;
        _partitions = partitions;
        _demo = demo;
        _children = children;
        _view = view;
        _observer = observer;
        _sampler = sampler;
        _etcd = etcd;
        _workload = workload;
        _events = events;
        _roles = roles;
    }

    public async Task<ChaosFaultResult> RunAsync(ChaosFault fault, CancellationToken cancellationToken)
    {
        var before = _view.Current;
        var epochsBefore = Roles.Coordinators.ToDictionary(r => r, before.Epoch, StringComparer.Ordinal);
        var victimServer = fault.Role is { } r && before.Active.TryGetValue(r, out var a) ? a.ServerId : 0;
        var at = _events.NowMs;
        var began = at;
        var problems = new List<string>();
        FaultResult? demo = null;
        PartitionOutcome? partition = null;
        string target;
        if (fault.DemoFault is { } demoFault)
        {
            demo = await _demo.RunAsync(demoFault, cancellationToken).ConfigureAwait(false);
            at = demo.AtMs;
            target = demo.Target;
            if (demo.Problem is not null)
            {
                problems.Add(demo.Problem);
            }
        }
        else
        {
            _events.Add("fault", null, new JsonObject { ["index"] = fault.Index, ["kind"] = fault.Kind.ToString(), ["role"] = fault.Role, ["member"] = fault.EtcdMember });
            at = _events.NowMs;
            target = fault.Kind switch
            {
                ChaosFaultKind.StandbyKill => await KillStandbyAsync(fault, problems).ConfigureAwait(false),
                ChaosFaultKind.EtcdKill => await KillEtcdAsync(fault.EtcdMember, cancellationToken).ConfigureAwait(false),
                ChaosFaultKind.EtcdLeaderStop => await PauseEtcdLeaderAsync(problems, cancellationToken).ConfigureAwait(false),
                _ => (partition = await (_partitions ?? throw new InvalidOperationException($"fault {fault.Index} is a partition ({fault.Kind}), and partitions are off"))
                    .RunAsync(fault, problems, cancellationToken).ConfigureAwait(false)).Target,
            };
            // A partition is measured from the moment its cut was certainly in place.
            at = partition?.CutAtMs ?? at;
        }
        // The window closes once the cluster is whole and its membership has been quiet for a TTL: a late effect of the
        // fault (leases a resumed etcd leader revokes, a second takeover, an epoch Txn before its active key) is inside it.
        if (!await _settle.WaitAsync(_demo.IsWhole, WholeTimeout, cancellationToken).ConfigureAwait(false))
        {
            problems.Add(_demo.IsWhole()
                ? $"the cluster's membership did not stay unchanged for {_settle.Quiet.TotalMilliseconds:F0} ms within {WholeTimeout.TotalSeconds:F0} s (last change at {_settle.LastChangeMs:F0} ms)"
                : "cluster not whole afterwards: " + string.Join("; ", _children.Problems(_view.Current, _sampler.Latest)));
        }
        var end = _events.NowMs;
        var after = _view.Current;
        var log = _events.Snapshot();
        var takeovers = TakeoversBetween(log, at, end);
        double? takeoverMs = null, stoppedMs = null, servedUntilMs = null;
        if ((fault.DemoFault is not null || fault.Kind == ChaosFaultKind.PartitionPrimaryFromEtcd) && fault.Role is { } role)
        {
            takeoverMs = _observer.FirstHealthyAfter(role, at, victimServer) - at;
            if (takeoverMs is null)
            {
                problems.Add($"no other {role} answered Healthy after the fault");
            }
        }
        else if (fault.Kind is ChaosFaultKind.StandbyKill or ChaosFaultKind.PartitionPrimaryFromClients && takeovers.Count > 0)
        {
            problems.Add($"a {fault.Label} changed the primary of " + string.Join(", ", takeovers));
        }
        if (fault.Kind == ChaosFaultKind.PartitionPrimaryFromEtcd && partition is { VictimServer: not 0 } cut)
        {
            stoppedMs = _observer.StoppedServingAt(cut.VictimPid, at) - at;
            servedUntilMs = _observer.ServedUntil(cut.VictimServer, at) - at;
            problems.AddRange(CutFromEtcdProblems(stoppedMs, servedUntilMs, takeoverMs, cut.HealedAtMs - at, _partitions!.Ttl));
        }
        var gaps = _roles.Select(x => (Role: x, Ms: _observer.LongestWithoutPrimary(x, at, end))).OrderByDescending(g => g.Ms).First();
        var calls = _workload.Records().Where(c => c.EndMs >= at && c.EndMs <= end).ToList();
        var result = new ChaosFaultResult
        {
            Fault = fault,
            Target = target,
            AtMs = at,
            BeganMs = Math.Min(began, at),
            EndMs = end,
            TakeoverMs = takeoverMs,
            StoppedServingMs = stoppedMs,
            ServedUntilMs = servedUntilMs,
            HealedAtMs = partition?.HealedAtMs,
            ClientsBackMs = partition?.ClientsBackMs,
            LongestWithoutPrimaryMs = gaps.Ms,
            WorstRole = gaps.Role,
            Takeovers = takeovers,
            Epochs = Roles.Coordinators.ToDictionary(x => x, x => (epochsBefore[x], after.Epoch(x)), StringComparer.Ordinal),
            CandidatesLost = CandidatesLostBetween(log, at, end),
            Demo = demo,
            Calls = calls.Count,
            CallsFailed = calls.Count(c => !c.Ok),
            Problem = problems.Count == 0 ? null : string.Join("; ", problems),
        };
        _events.Add("fault-end", target, new JsonObject
        {
            ["index"] = fault.Index, ["kind"] = fault.Kind.ToString(), ["takeoverMs"] = Round(result.TakeoverMs),
            ["longestWithoutPrimaryMs"] = Math.Round(result.LongestWithoutPrimaryMs, 1), ["stoppedServingMs"] = Round(result.StoppedServingMs),
            ["servedUntilMs"] = Round(result.ServedUntilMs),
            ["clientsBackMs"] = Round(result.ClientsBackMs), ["problem"] = result.Problem,
        });
        return result;
    }

    /// <summary>Roles whose published primary (server or term) changed between two moments, once per change, from the etcd watch.</summary>
    public static List<string> TakeoversBetween(IReadOnlyList<DemoEvent> log, double fromMs, double toMs)
    {
        var found = new List<string>();
        var last = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var e in log.Where(e => e.Kind == "active-put" && e.AtMs <= toMs))
        {
            var role = e.Data["role"]!.GetValue<string>();
            var key = (e.Data["serverId"]!.GetValue<long>(), e.Data["term"]!.GetValue<long>());
            if (e.AtMs > fromMs && last.TryGetValue(role, out var previous) && previous != key)
            {
                found.Add(role);
            }
            last[role] = key;
        }
        return found;
    }

    /// <summary>Per role, candidate-key deletions minus active-key deletions between two moments (never below 0).</summary>
    public static Dictionary<string, int> CandidatesLostBetween(IReadOnlyList<DemoEvent> log, double fromMs, double toMs)
    {
        var window = log.Where(e => e.AtMs > fromMs && e.AtMs <= toMs && e.Kind is "candidate-del" or "active-del").ToList();
        return Roles.Coordinators.ToDictionary(r => r, r => Math.Max(0,
            window.Count(e => e.Kind == "candidate-del" && e.Data["role"]?.GetValue<string>() == r)
            - window.Count(e => e.Kind == "active-del" && e.Data["role"]?.GetValue<string>() == r)), StringComparer.Ordinal);
    }

    private async Task<string> KillStandbyAsync(ChaosFault fault, List<string> problems)
    {
        var standby = _view.Current.Standbys(fault.Role!).Select(s => (Session: s, Child: _children.ByPid(s.Pid))).FirstOrDefault(s => s.Child?.Pid == s.Session.Pid);
        if (standby.Child is null)
        {
            problems.Add($"no standby of {fault.Role} to kill");
            return "-";
        }
        standby.Child.Signal(UnixSignal.SIGKILL);
        if (!await standby.Child.WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false))
        {
            problems.Add($"{standby.Child.Name} still runs 10 s after SIGKILL");
        }
        standby.Child.Start();
        return standby.Child.Name;
    }

    private async Task<string> KillEtcdAsync(int member, CancellationToken cancellationToken)
    {
        // Whether the victim led raft matters (etcd re-elects, ~1-2 s without a leader): the target says so.
        var leader = await _etcd.LeaderAsync(cancellationToken).ConfigureAwait(false);
        _etcd.Kill(member);
        // The cluster runs on two members for a moment before the third comes back on its data dir.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        await _etcd.RestartAsync(member, cancellationToken).ConfigureAwait(false);
        return "etcd-" + _etcd.Names[member] + (leader == member ? " (leader)" : string.Empty);
    }

    private async Task<string> PauseEtcdLeaderAsync(List<string> problems, CancellationToken cancellationToken)
    {
        if (await _etcd.LeaderAsync(cancellationToken).ConfigureAwait(false) is not { } leader)
        {
            problems.Add("no etcd member answered as leader");
            return "-";
        }
        _etcd.Signal(leader, UnixSignal.SIGSTOP);
        try
        {
            await Task.Delay(EtcdPause, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Even when cancelled: a stopped member must be resumed before the run stops it.
            _etcd.Signal(leader, UnixSignal.SIGCONT);
        }
        return "etcd-" + _etcd.Names[leader];
    }

    /// <summary>
    /// What a primary cut from etcd must show: it answered other than Healthy (its guard stopped it) and was not proven
    /// to serve a TTL or more after the cut — no Healthy answer to a question sent then; the earliest its lease could
    /// expire is a TTL after its last renewal, which is before the cut — and another server took over while it was still
    /// cut. (The first non-Healthy answer's receive time is only an upper bound of the stop: a busy machine answers late.)
    /// </summary>
    internal static IEnumerable<string> CutFromEtcdProblems(double? stoppedMs, double? servedUntilMs, double? takeoverMs, double healedMs, TimeSpan ttl)
    {
        if (stoppedMs is null)
        {
            yield return "the primary cut from etcd never answered other than Healthy";
        }
        if (servedUntilMs is { } served && served >= ttl.TotalMilliseconds)
        {
            yield return $"the primary cut from etcd answered Healthy to a question sent {served:F0} ms after the cut (TTL {ttl.TotalMilliseconds:F0} ms)";
        }
        if (takeoverMs is { } t && t > healedMs)
        {
            yield return $"the takeover came {t:F0} ms after the cut, after the heal at {healedMs:F0} ms";
        }
    }

    private static double? Round(double? v) => v is null ? null : Math.Round(v.Value, 1);
}
