using Coordinators.Actors.Sessions;
using Coordinators.Actors.Etcd;
using Coordinators.Tests.Fixtures;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Etcd;

/// <summary>One etcd member and a client shared by the tests of a class; each test uses its own key prefix.</summary>
public sealed class EtcdSingleFixture : IAsyncLifetime, IDisposable
{
    private EtcdCluster? _cluster;
    private EtcdClient? _client;

    public EtcdCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");

    public EtcdClient Client => _client ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _cluster = await EtcdCluster.StartSingleAsync();
        _client = new EtcdClient(new EtcdClientOptions { Endpoints = _cluster.ClientUrls });
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _client?.Dispose();
        _cluster?.Dispose();
    }

    /// <summary>A fresh prefix per test so tests sharing the member never see each other's keys.</summary>
    public static string Prefix() => "t" + Guid.NewGuid().ToString("N")[..8] + "/";

    /// <summary>A fresh layout per test so tests sharing the member never see each other's sessions.</summary>
    public static EtcdLayout NewLayout() => new("t" + Guid.NewGuid().ToString("N")[..8]);
}
