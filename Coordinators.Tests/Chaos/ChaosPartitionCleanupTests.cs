using System.Text.RegularExpressions;
using Coordinators.Host.Chaos;
using Coordinators.Tests.Fixtures;

namespace Coordinators.Tests.Chaos;

/// <summary>`coordinators chaos --partitions on` interrupted while its processes run in its namespaces: the run's own
/// cleanup removes every namespace, veth and bridge it made.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed partial class ChaosPartitionCleanupTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "coordinators-chaos-cleanup-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task Chaos_InterruptedWithPartitionsOn_RemovesItsNetwork()
    {
        await using var run = HostRunner.Start(["chaos", "--duration", "60s", "--seed", "5", "--out", _out, "--partitions", "on"]);
        var on = await run.WaitForLineAsync(l => l.Contains("partitions: on", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var tag = NamespaceTag().Match(on).Groups["tag"].Value;
        Assert.NotEmpty(await NetnsNetwork.NamesOfAsync(tag));
        // etcd runs in the run's namespaces by now, and the children start next.
        await run.WaitForLineAsync(l => l.Contains("etcd: 3 members http://10.77.", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

        UnixSignals.SendOrThrow(run.ProcessId, UnixSignal.SIGINT);
        var exit = await run.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exit == 130, $"exit {exit}\n--- stdout ---\n{run.StandardOutput}\n--- stderr ---\n{run.StandardError}");
        Assert.Empty(await NetnsNetwork.NamesOfAsync(tag));
        Assert.DoesNotContain($"coordp-{tag}-", await NetnsCommand.IpAsync("netns", "list"), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_out))
        {
            Directory.Delete(_out, recursive: true);
        }
    }

    [GeneratedRegex(@"coordp-(?<tag>[0-9a-f]+s\d+)-\*")]
    private static partial Regex NamespaceTag();
}
