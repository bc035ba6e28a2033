using Coordinators.Actors.Etcd;
using Coordinators.Tests.Fixtures;

namespace Coordinators.Tests.Etcd;

[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EmbeddedEtcdTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "coordinators-embedded-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task StartAsync_NewDirectory_ServesKvAndLogsToFile()
    {
        await using var etcd = await EmbeddedEtcd.StartAsync(new EmbeddedEtcdOptions { Directory = _dir });
        using var client = new EtcdClient(etcd.Endpoint);

        await client.PutAsync("embedded/k", "v1");
        var got = await client.GetAsync("embedded/k");

        Assert.Equal("v1", got.Kvs.Single().Value.ToStringUtf8());
        Assert.Equal($"http://127.0.0.1:{etcd.ClientPort}", etcd.Endpoint);
        Assert.True(etcd.IsRunning);
        Assert.Equal(Path.Combine(_dir, "data"), etcd.DataDir);
        Assert.True(Directory.Exists(Path.Combine(etcd.DataDir, "member")));
        Assert.Equal(Path.Combine(_dir, "etcd.log"), etcd.LogFile);
        Assert.Contains("ready to serve client requests", etcd.LogTail(1000), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_DeleteData_ProcessGoneAndDataRemoved()
    {
        var etcd = await EmbeddedEtcd.StartAsync(new EmbeddedEtcdOptions { Directory = _dir });
        var pid = etcd.ProcessId;

        await etcd.StopAsync(deleteData: true);

        Assert.False(Directory.Exists($"/proc/{pid}"));
        Assert.False(Directory.Exists(etcd.DataDir));
        Assert.True(File.Exists(etcd.LogFile));
        await etcd.StopAsync(deleteData: true); // idempotent
    }

    [Fact]
    public async Task DisposeAsync_DeleteDataOff_KeepsDataDir()
    {
        var etcd = await EmbeddedEtcd.StartAsync(new EmbeddedEtcdOptions { Directory = _dir, DeleteDataOnDispose = false });
        var pid = etcd.ProcessId;

        await etcd.DisposeAsync();

        Assert.False(Directory.Exists($"/proc/{pid}"));
        Assert.True(Directory.Exists(Path.Combine(_dir, "data", "member")));
    }

    [Fact]
    public async Task StartAsync_TwoMembers_GetDistinctPorts()
    {
        await using var a = await EmbeddedEtcd.StartAsync(new EmbeddedEtcdOptions { Directory = Path.Combine(_dir, "a") });
        await using var b = await EmbeddedEtcd.StartAsync(new EmbeddedEtcdOptions { Directory = Path.Combine(_dir, "b") });
        using var ca = new EtcdClient(a.Endpoint);
        using var cb = new EtcdClient(b.Endpoint);

        await ca.PutAsync("only-in-a", "1");

        Assert.Equal(4, new[] { a.ClientPort, a.PeerPort, b.ClientPort, b.PeerPort }.Distinct().Count());
        Assert.Empty((await cb.GetAsync("only-in-a")).Kvs);
    }

    [Fact]
    public async Task StartAsync_MissingBinary_ThrowsWithInstallHint()
    {
        var e = await Assert.ThrowsAsync<FileNotFoundException>(() =>
            EmbeddedEtcd.StartAsync(new EmbeddedEtcdOptions { Directory = _dir, EtcdPath = "/nonexistent/etcd" }));

        Assert.Contains("apt-get install etcd-server", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir));
    }

    [Fact]
    public async Task StartAsync_BadArgument_ThrowsWithLogTail()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            EmbeddedEtcd.StartAsync(new EmbeddedEtcdOptions { Directory = _dir, ExtraArgs = ["--no-such-flag"] }));

        Assert.StartsWith("etcd exited while starting", e.Message, StringComparison.Ordinal);
        Assert.Contains("no-such-flag", e.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
