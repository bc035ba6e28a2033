using System.Text.Json.Nodes;
using Coordinators.Host.Demo;

namespace Coordinators.Host.Chaos;

/// <summary>What a partition fault did: the host cut, the primary's ServerID (0 for an etcd member), when the cut was
/// certainly in place (its nft command had returned) and when it healed, and how long after the heal its role's clients
/// got an answer again (a primary cut from its clients).</summary>
internal sealed record PartitionOutcome(string Target, long VictimServer, int VictimPid, double CutAtMs, double HealedAtMs, double? ClientsBackMs);

/// <summary>
/// Injects the partition faults on a <see cref="NetnsNetwork"/> whose hosts are the etcd members
/// (<see cref="EtcdTrio.HostNames"/>) and the child slots (by name): cut, hold, heal (also when cancelled), then wait
/// for what must follow the heal (a cut member healthy again, the clients' calls answered again).
/// </summary>
internal sealed class ChaosPartitionRunner
{
    private static readonly TimeSpan BackTimeout = TimeSpan.FromSeconds(20);

    private readonly NetnsNetwork _network;
    private readonly ChildProcessSet _children;
    private readonly ClusterView _view;
    private readonly EtcdTrio _etcd;
    private readonly Workload? _workload;
    private readonly DemoEvents _events;
    private readonly TimeSpan _ttl;

    public ChaosPartitionRunner(NetnsNetwork network, ChildProcessSet children, ClusterView view, EtcdTrio etcd, Workload? workload, DemoEvents events, TimeSpan ttl)
    {
        _network = network;
        _children = children;
        _view = view;
        _etcd = etcd;
        _workload = workload;
        _events = events;
        _ttl = ttl;
    }

    /// <summary>The session TTL of every process.</summary>
    public TimeSpan Ttl => _ttl;

    /// <summary>How long a fault's cut lasts: a primary cut from etcd TTL more than the fault's partition time, so
    /// its lease has expired and a standby took over before the heal.</summary>
    public TimeSpan HoldOf(ChaosFault fault) =>
        TimeSpan.FromMilliseconds(fault.PartitionMs) + (fault.Kind == ChaosFaultKind.PartitionPrimaryFromEtcd ? _ttl : TimeSpan.Zero);

    /// <summary>The host a fault cuts and the hosts it is cut from, or null (with a problem) when its role has no primary of ours.</summary>
    public (string Host, IReadOnlyList<string> Peers, long Server, int Pid)? Plan(ChaosFault fault, List<string> problems)
    {
        if (fault.Kind == ChaosFaultKind.PartitionEtcdMember)
        {
            var member = EtcdTrio.HostNames[fault.EtcdMember];
            return (member, EtcdTrio.HostNames.Where(h => h != member).ToList(), 0, 0);
        }
        var role = fault.Role ?? throw new InvalidOperationException($"fault {fault.Index} ({fault.Kind}) names no role");
        if (!_view.Current.Active.TryGetValue(role, out var primary) || _children.ByPid(primary.Pid) is not { } child || child.Pid != primary.Pid)
        {
            problems.Add($"no published primary of {role} that a child of ours runs");
            return null;
        }
        IReadOnlyList<string> peers = fault.Kind == ChaosFaultKind.PartitionPrimaryFromEtcd
            ? EtcdTrio.HostNames
            : _children.All.Where(c => c != child).Select(c => c.Name).ToList();
        return (child.Name, peers, primary.ServerId, primary.Pid);
    }

    public async Task<PartitionOutcome> RunAsync(ChaosFault fault, List<string> problems, CancellationToken cancellationToken)
    {
        var at = _events.NowMs;
        if (Plan(fault, problems) is not { } plan)
        {
            return new PartitionOutcome("-", 0, 0, at, at, null);
        }
        var (cutAt, healedAt) = await CutAndHealAsync(plan.Host, plan.Peers, HoldOf(fault), cancellationToken).ConfigureAwait(false);
        double? clientsBack = null;
        if (fault.Kind == ChaosFaultKind.PartitionEtcdMember)
        {
            await _etcd.WaitHealthyAsync(fault.EtcdMember, BackTimeout, cancellationToken).ConfigureAwait(false);
        }
        else if (fault.Kind == ChaosFaultKind.PartitionPrimaryFromClients && _workload is not null)
        {
            clientsBack = await ClientsBackAsync(fault.Role!, healedAt, cancellationToken).ConfigureAwait(false) - healedAt;
            if (clientsBack is null)
            {
                problems.Add($"no client call to {fault.Role} succeeded within {BackTimeout.TotalSeconds:F0} s of the heal");
            }
        }
        return new PartitionOutcome(plan.Host, plan.Server, plan.Pid, cutAt, healedAt, clientsBack);
    }

    /// <summary>Cuts <paramref name="host"/> from <paramref name="peers"/>, waits <paramref name="hold"/>, heals (even
    /// when cancelled) and returns when the cut was certainly in place (its nft command returned: a measure "after the
    /// cut" must not start before, a busy machine takes a few hundred ms for it) and when it was healed.</summary>
    public async Task<(double CutAtMs, double HealedAtMs)> CutAndHealAsync(string host, IReadOnlyList<string> peers, TimeSpan hold, CancellationToken cancellationToken)
    {
        double? cutAt = null;
        try
        {
            await _network.CutForAsync(host, peers, hold, cancellationToken, () =>
            {
                cutAt = _events.NowMs;
                _events.Add("partition", host, new JsonObject { ["peers"] = string.Join(",", peers), ["holdMs"] = hold.TotalMilliseconds });
            }).ConfigureAwait(false);
        }
        finally
        {
            if (cutAt is not null)
            {
                _events.Add("heal", host);
            }
        }
        return (cutAt!.Value, _events.NowMs);
    }

    // The end of the first successful workload call of the role that started after the heal.
    private async Task<double?> ClientsBackAsync(string role, double healedAt, CancellationToken cancellationToken)
    {
        double? back = null;
        var left = TimeSpan.FromMilliseconds(Math.Max(0, healedAt + BackTimeout.TotalMilliseconds - _events.NowMs));
        await Poll.UntilAsync(() => (back = _workload!.Records().Where(r => r.Ok && r.CoordinatorRole == role && r.StartMs >= healedAt).Select(r => (double?)r.EndMs).FirstOrDefault()) is not null,
            left, cancellationToken).ConfigureAwait(false);
        return back;
    }
}
