using System.Text.Json.Nodes;
using Coordinators.Host.Demo;

namespace Coordinators.Host.Chaos;

/// <summary>
/// The chaos run's hosts: a <see cref="NetnsNetwork"/> with the three etcd members and every child slot when
/// partitions run, else loopback. Owns the network: <see cref="RemoveAsync"/> removes it once every process stopped and
/// says what was left (a namespace, a link, a change of the root namespace's nftables ruleset).
/// </summary>
internal sealed class ChaosNetwork
{
    private readonly string? _rootRulesetBefore;
    private int _removed;

    private ChaosNetwork(NetnsNetwork? network, string? whyNot, string? rootRuleset)
    {
        Network = network;
        WhyNot = whyNot;
        _rootRulesetBefore = rootRuleset;
    }

    /// <summary>The network, or null when partitions are off.</summary>
    public NetnsNetwork? Network { get; }

    /// <summary>Why partitions are off, or null.</summary>
    public string? WhyNot { get; }

    /// <summary>The fault kinds the run draws from.</summary>
    public IReadOnlyList<ChaosFaultKind> Kinds => Network is null ? ChaosFaultKinds.Process : ChaosFaultKinds.All;

    /// <summary>
    /// Makes the hosts for <paramref name="mode"/>: auto runs partitions when the machine allows it, on requires it
    /// (throws <see cref="DemoFailedException"/> with the reason otherwise), off never does.
    /// </summary>
    public static async Task<ChaosNetwork> CreateAsync(PartitionMode mode, IReadOnlyList<string> childNames)
    {
        if (mode == PartitionMode.Off)
        {
            return new ChaosNetwork(null, "--partitions off", null);
        }
        if (await NetnsSupport.WhyNotAsync().ConfigureAwait(false) is { } why)
        {
            return mode == PartitionMode.On
                ? throw new DemoFailedException("--partitions on, but this machine cannot run them: " + why)
                : new ChaosNetwork(null, why, null);
        }
        var ruleset = await RootRulesetAsync().ConfigureAwait(false);
        var network = await NetnsNetwork.CreateAsync([.. EtcdTrio.HostNames, .. childNames]).ConfigureAwait(false);
        return new ChaosNetwork(network, null, ruleset);
    }

    /// <summary>Where a child slot runs: its own host (started through <c>ip netns exec</c>), or loopback.</summary>
    public ChildHost HostOf(string name) => Network is null ? ChildHost.Loopback : HostOn(Network, name);

    /// <summary>A child slot on its own host of <paramref name="network"/>, started through <c>ip netns exec</c>.</summary>
    public static ChildHost HostOn(NetnsNetwork network, string name) =>
        new(network[name].Address, [NetnsCommand.Ip, "netns", "exec", network[name].Namespace]);

    /// <summary>One line for the console.</summary>
    public string Describe() => Network is { } n
        ? $"partitions: on — {n.Hosts.Count} hosts in network namespaces {NetnsNetwork.NamespacePrefix}{n.Tag}-*, bridge {n.Bridge} {n.BridgeAddress} on {n.Subnet}"
        : $"partitions: off — {WhyNot}; running without partition faults";

    /// <summary>The report's "partitions" object.</summary>
    public JsonObject Json() => Network is { } n
        ? new JsonObject
        {
            ["enabled"] = true, ["tag"] = n.Tag, ["subnet"] = n.Subnet, ["bridge"] = n.Bridge, ["observer"] = n.BridgeAddress,
            ["hosts"] = new JsonObject(n.Hosts.Select(h => KeyValuePair.Create(h.Name, (JsonNode?)h.Address))),
        }
        : new JsonObject { ["enabled"] = false, ["reason"] = WhyNot };

    /// <summary>
    /// Removes the network (once every process has stopped) and returns what is wrong afterwards: removal errors,
    /// names of the run still on the machine, a changed root ruleset. Null when partitions were off.
    /// </summary>
    public async Task<IReadOnlyList<string>?> RemoveAsync()
    {
        if (Network is not { } network || Interlocked.Exchange(ref _removed, 1) == 1)
        {
            return null;
        }
        var problems = new List<string>();
        try
        {
            await network.DisposeAsync().ConfigureAwait(false);
        }
        catch (NetnsException e)
        {
            problems.Add(e.Message);
        }
        try
        {
            var left = await NetnsNetwork.NamesOfAsync(network.Tag).ConfigureAwait(false);
            if (left.Count > 0)
            {
                problems.Add("still on the machine: " + string.Join(", ", left));
            }
            if (await RootRulesetAsync().ConfigureAwait(false) != _rootRulesetBefore)
            {
                problems.Add("the root namespace's nftables ruleset changed during the run");
            }
        }
        catch (NetnsException e)
        {
            problems.Add("could not check what is left: " + e.Message);
        }
        return problems;
    }

    private static Task<string> RootRulesetAsync() =>
        NetnsCommand.RunAsync(NetnsCommand.Find("nft") ?? throw new NetnsException("`nft` (nftables) is not installed"), ["list", "ruleset"], null);
}
