using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Tests.Fixtures;

namespace Coordinators.Tests.Connections;

/// <summary>One etcd member shared by a test class; every test uses its own root prefix.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class ConnectionsEtcdFixture : IAsyncLifetime
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

    /// <summary>A fresh layout per test so tests sharing the member never see each other's sessions.</summary>
    public static EtcdLayout NewLayout() => new("t" + Guid.NewGuid().ToString("N")[..8]);
}
