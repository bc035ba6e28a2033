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
}

/// <summary>One planned fault: its kind, the coordinator role it hits (primary/standby faults), the etcd member
/// (etcd kills) and the pause before it once the cluster is whole again.</summary>
internal sealed record ChaosFault(int Index, ChaosFaultKind Kind, string? Role, int EtcdMember, int GapMs)
{
    public string Label => Kind switch
    {
        ChaosFaultKind.PrimaryKill => "SIGKILL primary",
        ChaosFaultKind.PrimaryStop => "SIGSTOP primary",
        ChaosFaultKind.PrimaryTerm => "SIGTERM primary",
        ChaosFaultKind.StandbyKill => "SIGKILL standby",
        ChaosFaultKind.EtcdKill => "SIGKILL etcd member",
        _ => "SIGSTOP etcd leader",
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
/// The seeded schedule: an endless sequence of faults in which every kind is equally likely, each hitting a role
/// (or etcd member) drawn from the same generator. The run takes as many as fit its duration; the same seed always
/// gives the same sequence.
/// </summary>
internal static class ChaosPlan
{
    public static IEnumerable<ChaosFault> Create(int seed, IReadOnlyList<string> roles)
    {
        var random = new Random(seed);
        var kinds = Enum.GetValues<ChaosFaultKind>();
        for (var i = 1; ; i++)
        {
            var kind = kinds[random.Next(kinds.Length)];
            var role = roles[random.Next(roles.Count)];
            var member = random.Next(3);
            var gap = 500 + random.Next(1500);
            yield return new ChaosFault(i, kind, kind is ChaosFaultKind.EtcdKill or ChaosFaultKind.EtcdLeaderStop ? null : role, member, gap);
        }
    }
}
