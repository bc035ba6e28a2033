using Coordinators.Actors.Components;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Connections;

/// <summary>
/// A real component server in the test process: S's <see cref="ComponentHost"/> with its gRPC server (the
/// coordinators.Component service and the server-id interceptor), made Healthy under a given ServerID, and its
/// session registered in etcd under a lease, as a node process would.
/// </summary>
internal sealed class TestNode : IAsyncDisposable
{
    private readonly EtcdClient _etcd;
    private long _leaseId;

    private TestNode(EtcdClient etcd, EtcdLayout layout, ComponentHost host, long serverId)
    {
        _etcd = etcd;
        Layout = layout;
        Host = host;
        ServerId = serverId;
        Key = layout.SessionKey(host.Role, serverId);
    }

    public ComponentHost Host { get; }

    public EtcdLayout Layout { get; }

    public long ServerId { get; }

    /// <summary>The key the session is registered under (the process key, or an active key).</summary>
    public string Key { get; private set; }

    public string Address => Host.Address;

    public int Port => Host.Server!.Port;

    public SessionInfo Session => new()
    {
        ServerId = ServerId,
        Role = Host.Role,
        Address = Host.Address,
        HostName = "test",
        Pid = Environment.ProcessId,
        Version = "test",
        LeaseId = _leaseId,
        StartedAt = DateTimeOffset.UtcNow,
    };

    public static async Task<TestNode> StartAsync(EtcdClient etcd, EtcdLayout layout, string role, long serverId, int port = 0, bool register = true)
    {
        var host = new ComponentHost(role).UseGrpcServer($"127.0.0.1:{port}");
        await host.StartAsync();
        host.SetSession(serverId, 0, "test session");
        host.SetState(StateCode.Healthy, "test ready");
        var node = new TestNode(etcd, layout, host, serverId);
        if (register)
        {
            await node.RegisterAsync();
        }
        return node;
    }

    /// <summary>Puts the session JSON under a fresh lease (the process key unless <paramref name="key"/> is given).</summary>
    public async Task RegisterAsync(string? key = null, long ttlSeconds = 10, long term = 0)
    {
        _leaseId = (await _etcd.GrantLeaseAsync(ttlSeconds)).ID;
        Key = key ?? Key;
        await _etcd.PutAsync(Key, (Session with { Term = term }).ToJson(), _leaseId);
    }

    /// <summary>Deletes the session key (what etcd does when the lease expires), returning the delete's revision.</summary>
    public async Task<long> DeleteSessionAsync() => (await _etcd.DeleteAsync(Key)).Header.Revision;

    public async ValueTask DisposeAsync()
    {
        if (_leaseId != 0)
        {
            try
            {
                await _etcd.RevokeLeaseAsync(_leaseId);
            }
            catch (RpcException)
            {
                // Already gone: the test deleted or expired it.
            }
        }
        await Host.DisposeAsync();
    }
}
