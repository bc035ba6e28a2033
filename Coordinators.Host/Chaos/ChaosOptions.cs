namespace Coordinators.Host.Chaos;

/// <summary>Whether a chaos run partitions the network (<c>--partitions</c>).</summary>
internal enum PartitionMode
{
    /// <summary>When the machine allows it (root, ip, nft); else a message and no partition faults.</summary>
    Auto,
    /// <summary>Always; the run fails when the machine does not allow it.</summary>
    On,
    /// <summary>Never: every process on loopback, only process and etcd faults.</summary>
    Off,
}

/// <summary>What <c>coordinators chaos</c> was asked to do.</summary>
internal sealed record ChaosOptions
{
    /// <summary>How long faults are injected once the cluster has settled (<c>--duration</c>).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Seed of the fault schedule (<c>--seed</c>).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Session lease TTL of every process (<c>--ttl</c>).</summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Folder for logs, etcd data, report.json and timeline.svg (<c>--out</c>).</summary>
    public string OutDir { get; init; } = "chaos-out";

    /// <summary>Network partitions (<c>--partitions</c>).</summary>
    public PartitionMode Partitions { get; init; } = PartitionMode.Auto;

    /// <summary>The fault kinds to draw from (<c>--faults</c>); those the machine cannot run (partitions) drop out.</summary>
    public IReadOnlyList<ChaosFaultKind> Faults { get; init; } = ChaosFaultKinds.All;

    /// <summary>The run's etcd key prefix.</summary>
    public string Root { get; init; } = "chaos-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The recovery bound of every fault: TTL + 1.5 s (issue 18's goal at TTL 2 s).</summary>
    public TimeSpan RecoveryBound => Ttl + TimeSpan.FromSeconds(1.5);

    /// <summary>The process layout: 3 rootcoord and 2 datacoord under faults, one each of the other coordinators
    /// (the proxy's calls need them), one node of each kind and the proxy.</summary>
    public static readonly IReadOnlyList<(string Role, int Count)> Layout =
    [
        (Actors.Model.Roles.RootCoord, 3), (Actors.Model.Roles.DataCoord, 2), (Actors.Model.Roles.QueryCoord, 1), (Actors.Model.Roles.IndexCoord, 1),
        (Actors.Model.Roles.QueryNode, 1), (Actors.Model.Roles.DataNode, 1), (Actors.Model.Roles.IndexNode, 1), (Actors.Model.Roles.Proxy, 1),
    ];

    /// <summary>The roles faults hit.</summary>
    public static readonly IReadOnlyList<string> FaultRoles = [Actors.Model.Roles.RootCoord, Actors.Model.Roles.DataCoord];
}
