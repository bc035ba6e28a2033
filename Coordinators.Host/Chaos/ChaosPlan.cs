using Coordinators.Host.Demo;

namespace Coordinators.Host.Chaos;

/// <summary>The faults a chaos run injects, one at a time.</summary>
internal enum ChaosFaultKind
{
    /// <summary>SIGKILL of a coordinator primary.</summary>
    PrimaryKill,
    /// <summary>SIGSTOP of a coordinator primary for TTL + 1 s, then SIGCONT.</summary>
    PrimaryStop,
    /// <summary>SIGTERM of a coordinator primary (it resigns).</summary>
    PrimaryTerm,
    /// <summary>SIGKILL of a coordinator standby: no takeover may follow.</summary>
    StandbyKill,
    /// <summary>SIGKILL of one etcd member (chosen by the seed), restarted on its data dir.</summary>
    EtcdKill,
    /// <summary>SIGSTOP of the etcd leader for 2 s, then SIGCONT.</summary>
    EtcdLeaderStop,
    /// <summary>A coordinator primary's host cut from the three etcd members for TTL + the fault's partition time: its
    /// guard must stop it serving before its lease can expire, and a standby takes over.</summary>
    PartitionPrimaryFromEtcd,
    /// <summary>One etcd member's host (chosen by the seed) cut from the other two for the partition time.</summary>
    PartitionEtcdMember,
    /// <summary>A coordinator primary's host cut from every other process's host (its clients), not from etcd, for
    /// the partition time: no takeover may follow, and the clients reach it again after the heal.</summary>
    PartitionPrimaryFromClients,
}

/// <summary>Fault kinds by what they need.</summary>
internal static class ChaosFaultKinds
{
    /// <summary>Signals to processes and etcd members: every machine can run them.</summary>
    public static readonly IReadOnlyList<ChaosFaultKind> Process =
        [.. Enum.GetValues<ChaosFaultKind>().Where(k => !k.IsPartition())];

    /// <summary>Every kind, partitions included (root, ip, nft).</summary>
    public static readonly IReadOnlyList<ChaosFaultKind> All = Enum.GetValues<ChaosFaultKind>();

    public static bool IsPartition(this ChaosFaultKind kind) =>
        kind is ChaosFaultKind.PartitionPrimaryFromEtcd or ChaosFaultKind.PartitionEtcdMember or ChaosFaultKind.PartitionPrimaryFromClients;

    /// <summary>The kind's name on the command line (<c>--faults</c>): PrimaryKill is primary-kill.</summary>
    public static string CliName(this ChaosFaultKind kind) =>
        string.Concat(kind.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    /// <summary>
    /// Parses <c>--faults</c>: "all" or kind names separated by commas; null with <paramref name="error"/> naming the
    /// bad name and the known ones.
    /// </summary>
    public static IReadOnlyList<ChaosFaultKind>? Parse(string text, out string? error)
    {
        error = null;
        if (string.Equals(text.Trim(), "all", StringComparison.OrdinalIgnoreCase))
        {
            return All;
        }
        var kinds = new List<ChaosFaultKind>();
        foreach (var name in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var match = All.Where(k => string.Equals(k.CliName(), name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (match.Count == 0)
            {
                error = $"unknown fault kind '{name}'; known: all, {string.Join(", ", All.Select(k => k.CliName()))}";
                return null;
            }
            kinds.AddRange(match);
        }
        if (kinds.Count == 0)
        {
            error = "no fault kind given; known: all, " + string.Join(", ", All.Select(k => k.CliName()));
            return null;
        }
        // In the enum's order, so a list gives the same schedule whatever order it was written in.
        return [.. All.Where(kinds.Contains)];
    }

    /// <summary>Kinds that hit etcd, not a coordinator role.</summary>
    public static bool IsEtcd(this ChaosFaultKind kind) =>
        kind is ChaosFaultKind.EtcdKill or ChaosFaultKind.EtcdLeaderStop or ChaosFaultKind.PartitionEtcdMember;
}

/// <summary>One planned fault: its kind, the coordinator role it hits (primary/standby faults), the etcd member
/// (etcd kills and member partitions), the pause before it once the cluster is whole again, and how long a partition
/// lasts before it heals (a primary cut from etcd: TTL more).</summary>
internal sealed record ChaosFault(int Index, ChaosFaultKind Kind, string? Role, int EtcdMember, int GapMs, int PartitionMs = 0)
{
    public string Label => Kind switch
    {
        ChaosFaultKind.PrimaryKill => "SIGKILL primary",
        ChaosFaultKind.PrimaryStop => "SIGSTOP primary",
        ChaosFaultKind.PrimaryTerm => "SIGTERM primary",
        ChaosFaultKind.StandbyKill => "SIGKILL standby",
        ChaosFaultKind.EtcdKill => "SIGKILL etcd member",
        ChaosFaultKind.EtcdLeaderStop => "SIGSTOP etcd leader",
        ChaosFaultKind.PartitionPrimaryFromEtcd => "primary cut from etcd",
        ChaosFaultKind.PartitionEtcdMember => "etcd member cut off",
        _ => "primary cut from clients",
    };

    /// <summary>The demo's fault of the same kind, for the primary faults the demo's runner injects.</summary>
    public Fault? DemoFault => Kind switch
    {
        ChaosFaultKind.PrimaryKill => new Fault(Index, FaultKind.SigKill, Role!),
        ChaosFaultKind.PrimaryStop => new Fault(Index, FaultKind.SigStop, Role!),
        ChaosFaultKind.PrimaryTerm => new Fault(Index, FaultKind.SigTerm, Role!),
        _ => null,
    };
}

/// <summary>
/// The seeded schedule: an endless sequence of faults in which every kind of <c>kinds</c> is equally likely, each
/// hitting a role (or etcd member) drawn from the same generator, partitions lasting 1-3 s. The run takes as many as
/// fit its duration; the same seed and kinds (partitions available or not) always give the same sequence.
/// </summary>
internal static class ChaosPlan
{
    public static IEnumerable<ChaosFault> Create(int seed, IReadOnlyList<string> roles, IReadOnlyList<ChaosFaultKind>? kinds = null)
    {
        kinds ??= ChaosFaultKinds.All;
        var random = new Random(seed);
        for (var i = 1; ; i++)
        {
            var kind = kinds[random.Next(kinds.Count)];
            var role = roles[random.Next(roles.Count)];
            var member = random.Next(3);
            var gap = 500 + random.Next(1500);
            // Drawn for every fault, so a schedule's other draws do not depend on which kinds came before.
            var partition = 1000 + random.Next(2000);
            yield return new ChaosFault(i, kind, kind.IsEtcd() ? null : role, member, gap, kind.IsPartition() ? partition : 0);
        }
    }
}
