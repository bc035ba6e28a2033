using Coordinators.Tests.Fixtures;

namespace Coordinators.Tests.Connections;

/// <summary><c>coordinators standalone</c> as a real process with its embedded etcd.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class StandaloneCommandTests : IDisposable
{
    // The working folder: standalone puts its private etcd under ./.coordinators-etcd.
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("coordinators-standalone-");

    [Fact]
    public async Task Standalone_NoEtcdConfigured_RunsEveryRoleInProcessAndCleansUpOnSigterm()
    {
        await using var process = StartStandalone();
        var etcdPid = await EtcdPidAsync(process);
        var proxy = await process.WaitForLineAsync(l => l.StartsWith("PROXY ", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        await process.WaitForLineAsync(l => l.StartsWith("STANDALONE READY roles=8 ", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        var ready = process.StandardOutput.Split('\n').Where(l => l.StartsWith("READY ", StringComparison.Ordinal)).ToList();
        Assert.Equal(8, ready.Count);
        Assert.All(ready, l => Assert.EndsWith(" state=Healthy", l, StringComparison.Ordinal));
        Assert.EndsWith(" via=InProcessComponentClient", proxy, StringComparison.Ordinal);
        Assert.DoesNotContain(" term=0 ", proxy, StringComparison.Ordinal);

        process.Signal(UnixSignal.SIGTERM);
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(ProcFs.IsRunning(etcdPid), $"embedded etcd {etcdPid} outlived the standalone process");
    }

    [Fact]
    public async Task Standalone_Http_OneEndpointAnswersForEveryRole()
    {
        await using var process = StartStandalone("--http", "127.0.0.1:0");
        var line = await process.WaitForLineAsync(l => l.StartsWith("HTTP address=", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var address = line.Split(' ')[1]["address=".Length..];
        await process.WaitForLineAsync(l => l.StartsWith("STANDALONE READY ", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        using var http = new HttpClient();

        using var ready = await http.GetAsync(new Uri($"http://{address}/readyz"));
        var lines = (await ready.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(8, lines.Length);
        Assert.All(lines, l => Assert.EndsWith(": Healthy", l, StringComparison.Ordinal));
        using var healthz = await http.GetAsync(new Uri($"http://{address}/healthz"));
        Assert.Equal(System.Net.HttpStatusCode.OK, healthz.StatusCode);
        var metrics = await http.GetStringAsync(new Uri($"http://{address}/metrics"));
        // Every coordinator role is primary in standalone: four role_primary series at 1.
        Assert.Equal(4, metrics.Split('\n').Count(l => l.StartsWith("coordinators_role_primary{", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal)));

        process.Signal(UnixSignal.SIGTERM);
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Standalone_Sigkilled_EmbeddedEtcdDiesWithIt()
    {
        await using var process = StartStandalone();
        var etcdPid = await EtcdPidAsync(process);
        await process.WaitForLineAsync(l => l.StartsWith("STANDALONE READY ", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        Assert.True(ProcFs.IsRunning(etcdPid));

        // No exit hook runs in a SIGKILLed process: the etcd launch itself must take etcd down with its parent.
        process.Signal(UnixSignal.SIGKILL);
        Assert.Equal(128 + (int)UnixSignal.SIGKILL, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        // etcd is not our child, so there is nothing to wait on but its /proc entry: spin with a backstop.
        Assert.True(SpinWait.SpinUntil(() => !ProcFs.IsRunning(etcdPid), TimeSpan.FromSeconds(10)),
            $"embedded etcd {etcdPid} outlived the SIGKILLed standalone process (state {ProcFs.State(etcdPid)})");
    }

    [Fact]
    public async Task Standalone_StopOnStdinEof_StopsCleanlyWithItsEtcdWhenStdinCloses()
    {
        // What a SIGKILLed parent (a test host, a supervisor) does to its child: the kernel closes the stdin pipe.
        await using var process = StartStandalone();
        var etcdPid = await EtcdPidAsync(process);
        await process.WaitForLineAsync(l => l.StartsWith("STANDALONE READY ", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

        process.CloseStandardInput();

        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("standard input closed", process.StandardError + process.StandardOutput, StringComparison.Ordinal);
        Assert.False(ProcFs.IsRunning(etcdPid), $"embedded etcd {etcdPid} outlived the standalone process");
    }

    public void Dispose() => _folder.Delete(recursive: true);

    // --stop-on-stdin-eof: a test host that dies takes the process (and so its etcd) along.
    private HostRunner StartStandalone(params string[] extra) =>
        HostRunner.Start(["standalone", "--session-ttl", "2s", "--stop-on-stdin-eof", .. extra], workingDirectory: _folder.FullName);

    private static async Task<int> EtcdPidAsync(HostRunner process)
    {
        var line = await process.WaitForLineAsync(l => l.StartsWith("EMBEDDED-ETCD ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        return int.Parse(line.Split(' ').Single(f => f.StartsWith("pid=", StringComparison.Ordinal))[4..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
