using System.Runtime.InteropServices;
using Coordinators.Tests.Fixtures;

namespace Coordinators.Tests.Connections;

/// <summary><c>coordinators standalone</c> as a real process with its embedded etcd.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class StandaloneCommandTests
{
    [Fact]
    public async Task Standalone_NoEtcdConfigured_RunsEveryRoleInProcessAndCleansUpOnSigterm()
    {
        var folder = Directory.CreateTempSubdirectory("coordinators-standalone-");
        try
        {
            await using var process = HostRunner.Start(["standalone", "--session-ttl", "2s"], workingDirectory: folder.FullName);
            var etcdLine = await process.WaitForLineAsync(l => l.StartsWith("EMBEDDED-ETCD ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            var etcdPid = int.Parse(etcdLine.Split(' ').Single(f => f.StartsWith("pid=", StringComparison.Ordinal))[4..], System.Globalization.CultureInfo.InvariantCulture);
            var proxy = await process.WaitForLineAsync(l => l.StartsWith("PROXY ", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            await process.WaitForLineAsync(l => l.StartsWith("STANDALONE READY roles=8 ", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
            var ready = process.StandardOutput.Split('\n').Where(l => l.StartsWith("READY ", StringComparison.Ordinal)).ToList();
            Assert.Equal(8, ready.Count);
            Assert.All(ready, l => Assert.EndsWith(" state=Healthy", l, StringComparison.Ordinal));
            Assert.EndsWith(" via=InProcessComponentClient", proxy, StringComparison.Ordinal);
            Assert.DoesNotContain(" term=0 ", proxy, StringComparison.Ordinal);

            process.Signal(UnixSignal.SIGTERM);
            Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.False(IsAlive(etcdPid), $"embedded etcd {etcdPid} outlived the standalone process");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static bool IsAlive(int pid) => kill(pid, 0) == 0;

#pragma warning disable SYSLIB1054 // DllImport keeps the test project free of AllowUnsafeBlocks; the signature is blittable.
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
#pragma warning restore SYSLIB1054
}
