using System.Globalization;
using Coordinators.Host.Chaos;
using Coordinators.Tests.Fixtures;

namespace Coordinators.Tests.Chaos;

/// <summary>The partition network's own plumbing on real namespaces: cuts are nftables tables inside the cut host, and
/// nothing of a network stays on the machine once it is removed, cut or not, cancelled or crashed.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class NetnsNetworkTests
{
    [Fact]
    public async Task Dispose_WhileCut_LeavesNoNamespaceLinkOrRule()
    {
        var rootRules = await RootRulesetAsync();
        var network = await NetnsNetwork.CreateAsync(["a", "b", "c"]);
        var tag = network.Tag;
        try
        {
            await network.CutAsync("a", ["b", "c"]);

            var rules = await network.RulesetAsync("a");
            Assert.Contains("table inet coordp_cut", rules, StringComparison.Ordinal);
            Assert.Contains($"ip saddr {{ {network["b"].Address}, {network["c"].Address} }} drop", rules, StringComparison.Ordinal);
            Assert.Contains($"ip daddr {{ {network["b"].Address}, {network["c"].Address} }} drop", rules, StringComparison.Ordinal);
            Assert.DoesNotContain("coordp_cut", await network.RulesetAsync("b"), StringComparison.Ordinal);
            // Three namespaces, three root ends of their veths, one bridge; the root namespace's rules untouched.
            Assert.Equal(7, (await NetnsNetwork.NamesOfAsync(tag)).Count);
            Assert.Contains(network["a"].Namespace, await NetnsCommand.IpAsync("netns", "list"), StringComparison.Ordinal);
            Assert.Equal(rootRules, await RootRulesetAsync());
        }
        finally
        {
            await network.DisposeAsync();
        }

        Assert.Empty(await NetnsNetwork.NamesOfAsync(tag));
        Assert.DoesNotContain(tag, await NetnsCommand.IpAsync("netns", "list"), StringComparison.Ordinal);
        Assert.DoesNotContain("cp" + tag, await NetnsCommand.IpAsync("-o", "link", "show"), StringComparison.Ordinal);
        Assert.Equal(rootRules, await RootRulesetAsync());
    }

    [Fact]
    public async Task CutFor_Cancelled_HealsAnyway()
    {
        var network = await NetnsNetwork.CreateAsync(["a", "b"]);
        await using (network)
        {
            using var cancel = new CancellationTokenSource();
            var cut = network.CutForAsync("a", ["b"], TimeSpan.FromMinutes(1), cancel.Token, cancel.Cancel);

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cut);
            Assert.Empty(network.Cuts);
            Assert.DoesNotContain("coordp_cut", await network.RulesetAsync("a"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RemoveLeftovers_DeadProcessesNetwork_Removed_LiveProcessesKept()
    {
        // A tag naming a pid that does not exist (a run that was SIGKILLed), and one naming pid 1 (alive).
        var dead = Enumerable.Range(2, 30000).Select(i => 32000 - i).First(p => !UnixSignals.Exists(p));
        var deadTag = dead.ToString("x", CultureInfo.InvariantCulture) + "s1";
        const string liveTag = "1s999";
        await NetnsCommand.IpBatchAsync(null, [$"netns add coordp-{deadTag}-x", $"link add cp{deadTag}b type bridge", $"netns add coordp-{liveTag}-x"]);
        try
        {
            var removed = await NetnsNetwork.RemoveLeftoversAsync();

            Assert.Contains(deadTag, removed);
            Assert.DoesNotContain(liveTag, removed);
            Assert.Empty(await NetnsNetwork.NamesOfAsync(deadTag));
            Assert.Equal([$"coordp-{liveTag}-x"], await NetnsNetwork.NamesOfAsync(liveTag));
        }
        finally
        {
            await NetnsCommand.IpAsync("netns", "del", $"coordp-{liveTag}-x");
        }
    }

    private static Task<string> RootRulesetAsync() => NetnsCommand.RunAsync(NetnsCommand.Find("nft")!, ["list", "ruleset"], null);
}
