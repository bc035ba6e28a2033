namespace Coordinators.Host.Demo;

/// <summary>What <c>coordinators demo</c> was asked to do.</summary>
internal sealed record DemoOptions
{
    /// <summary>Session lease TTL given to every child (<c>--ttl</c>); etcd's floor is 2 s.</summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Processes per coordinator role: one primary and Replicas - 1 standbys (<c>--replicas</c>).</summary>
    public int Replicas { get; init; } = 2;

    /// <summary>Folder for logs, etcd data, report.json and timeline.svg (<c>--out</c>).</summary>
    public string OutDir { get; init; } = "demo-out";

    /// <summary>Seed of the fault order (<c>--seed</c>).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>An external etcd to use instead of the embedded one (<c>--etcd</c>).</summary>
    public string? EtcdEndpoints { get; init; }

    /// <summary>The fault list (<c>--faults</c>): all, quick, none, or a comma list of sigterm,sigkill,sigstop,nodekill,sigkill-guarded.</summary>
    public string Faults { get; init; } = "all";

    /// <summary>The etcd key prefix of this run; unique so an external etcd may hold several runs.</summary>
    public string Root { get; init; } = "demo-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Concurrent workload loops calling the proxy.</summary>
    public int WorkloadLoops { get; init; } = 8;

    /// <summary>Target calls per second of the whole workload (a few hundred, so two cores keep up).</summary>
    public int WorkloadRate { get; init; } = 240;

    /// <summary>Nodes per node kind (querynode, datanode, indexnode); one proxy.</summary>
    public int NodesPerKind { get; init; } = 2;

    /// <summary>Whether to draw the live table (a terminal) or print plain progress lines.</summary>
    public bool Interactive { get; init; }
}
