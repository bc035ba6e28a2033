using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Host.Demo;

/// <summary>The faults the demo injects.</summary>
internal enum FaultKind
{
    /// <summary>SIGTERM of a coordinator primary: a clean stop that resigns.</summary>
    SigTerm,
    /// <summary>SIGKILL of a coordinator primary: a crash noticed when its lease expires.</summary>
    SigKill,
    /// <summary>SIGSTOP of a coordinator primary for TTL + 1 s, then SIGCONT: a pause; it must come back as a standby.</summary>
    SigStop,
    /// <summary>SIGKILL of one node of a kind.</summary>
    NodeKill,
    /// <summary>SIGKILL of the child of a crash-guarded coordinator primary: its guard revokes the lease at once.</summary>
    SigKillGuarded,
    /// <summary>SIGKILL of the child of a crash-guarded node: its guard revokes the lease, the session vanishes at once.</summary>
    NodeKillGuarded,
}

/// <summary>Questions about a fault kind.</summary>
internal static class FaultKinds
{
    /// <summary>True for faults that hit a node (measured by its session going) rather than a primary.</summary>
    public static bool IsNode(this FaultKind kind) => kind is FaultKind.NodeKill or FaultKind.NodeKillGuarded;

    /// <summary>True when the plan needs crash-guarded children.</summary>
    public static bool NeedsGuards(IEnumerable<Fault> plan) => plan.Any(f => f.Kind is FaultKind.SigKillGuarded or FaultKind.NodeKillGuarded);

    /// <summary>
    /// The roles whose processes run crash-guarded: those a guarded fault hits. Every process of such a role is guarded
    /// (any of them may be the primary, or the node, hit), and no other role pays for a guard process.
    /// </summary>
    public static IReadOnlySet<string> GuardedRoles(IEnumerable<Fault> plan) =>
        plan.Where(f => f.Kind is FaultKind.SigKillGuarded or FaultKind.NodeKillGuarded).Select(f => f.Role).ToHashSet(StringComparer.Ordinal);
}

/// <summary>One planned fault: its kind and the role it hits.</summary>
internal sealed record Fault(int Index, FaultKind Kind, string Role)
{
    public string Label => Kind switch
    {
        FaultKind.SigTerm => "SIGTERM primary",
        FaultKind.SigKill => "SIGKILL primary",
        FaultKind.SigStop => "SIGSTOP primary",
        FaultKind.SigKillGuarded => "SIGKILL guarded primary",
        FaultKind.NodeKillGuarded => "SIGKILL guarded node",
        _ => "SIGKILL node",
    };
}

/// <summary>
/// Builds the fault list from <c>--faults</c> and <c>--seed</c>. For every coordinator role, in an order
/// shuffled by the seed: the chosen primary faults; node kills are spread between the roles.
/// </summary>
internal static class FaultPlan
{
    private static readonly string[] NodeKinds = [Roles.QueryNode, Roles.DataNode, Roles.IndexNode];

    /// <summary>The accepted words of <c>--faults</c>.</summary>
    public const string Help = "all | quick | none | a comma list of sigterm, sigkill, sigstop, nodekill, sigkill-guarded";

    public static IReadOnlyList<Fault> Create(string spec, int seed)
    {
        var random = new Random(seed);
        var roles = Roles.Coordinators.ToArray();
        random.Shuffle(roles);
        var nodes = NodeKinds.ToArray();
        random.Shuffle(nodes);
        var words = spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(w => w.ToLowerInvariant()).ToList();
        var list = new List<(FaultKind, string)>();
        if (words is ["quick"])
        {
            list.Add((FaultKind.SigTerm, roles[0]));
            list.Add((FaultKind.SigKill, roles[1]));
            list.Add((FaultKind.NodeKill, nodes[0]));
        }
        else if (words is ["none"])
        {
        }
        else
        {
            var all = words is ["all"];
            var kinds = all
                ? [FaultKind.SigTerm, FaultKind.SigKill, FaultKind.SigStop, FaultKind.SigKillGuarded, FaultKind.NodeKill, FaultKind.NodeKillGuarded]
                : words.SelectMany(Parse).Distinct().ToList();
            var coordinatorKinds = kinds.Where(k => !k.IsNode()).ToList();
            var withNodes = kinds.Contains(FaultKind.NodeKill);
            var withGuardedNodes = kinds.Contains(FaultKind.NodeKillGuarded);
            for (var i = 0; i < roles.Length; i++)
            {
                list.AddRange(coordinatorKinds.Select(k => (k, roles[i])));
                if (withNodes && i < nodes.Length)
                {
                    list.Add((FaultKind.NodeKill, nodes[i]));
                }
                // One guarded node kill, on the kind the first plain node kill hit: the two rows compare.
                if (withGuardedNodes && i == 0)
                {
                    list.Add((FaultKind.NodeKillGuarded, nodes[0]));
                }
            }
        }
        return list.Select((f, i) => new Fault(i + 1, f.Item1, f.Item2)).ToList();
    }

    private static FaultKind[] Parse(string word) => word switch
    {
        "sigterm" => [FaultKind.SigTerm],
        "sigkill" => [FaultKind.SigKill],
        "sigstop" => [FaultKind.SigStop],
        "nodekill" => [FaultKind.NodeKill],
        "sigkill-guarded" => [FaultKind.SigKillGuarded, FaultKind.NodeKillGuarded],
        _ => throw new ArgumentException($"unknown fault '{word}'; use {Help}"),
    };
}
