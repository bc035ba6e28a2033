using Coordinators.Actors.Etcd;
using Coordinators.Actors.Transport;
using Coordinators.Tests.Fixtures;

namespace Coordinators.Tests.Etcd;

/// <summary>etcd with auth and with TLS client-certificate auth.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EtcdSecurityTests
{
    [Fact]
    public async Task Auth_UserWithPrefixRole_WritesInsideAndIsDeniedOutside()
    {
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions { EnableAuth = true });
        await cluster.AddPrefixUserAsync("alice", "alice-pw", "app/");
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls, Username = "alice", Password = "alice-pw" });
        await client.PutAsync("app/x", "1");
        Assert.Equal("1", (await client.GetAsync("app/x")).Kvs[0].Value.ToStringUtf8());
        var put = await Assert.ThrowsAsync<RpcException>(() => client.PutAsync("other/x", "1"));
        Assert.Equal(StatusCode.PermissionDenied, put.StatusCode);
        Assert.Equal("etcdserver: permission denied", put.Status.Detail);
        var get = await Assert.ThrowsAsync<RpcException>(() => client.GetAsync("other/x"));
        Assert.Equal(StatusCode.PermissionDenied, get.StatusCode);
    }

    [Fact]
    public async Task Auth_WrongPassword_FailsInvalidArgument()
    {
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions { EnableAuth = true });
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls, Username = "root", Password = "wrong" });
        var e = await Assert.ThrowsAsync<RpcException>(() => client.GetAsync("k"));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal("etcdserver: authentication failed, invalid user ID or password", e.Status.Detail);
    }

    [Fact]
    public async Task Auth_NoCredentials_FailsWithEtcdsUserEmptyError()
    {
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions { EnableAuth = true });
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls });
        var e = await Assert.ThrowsAsync<RpcException>(() => client.PutAsync("k", "v"));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal("etcdserver: user name is empty", e.Status.Detail);
    }

    [Fact]
    public async Task Auth_TokenInvalidated_ReauthenticatesTransparently()
    {
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions { EnableAuth = true });
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls, Username = "root", Password = EtcdCluster.RootPassword });
        await client.PutAsync("k", "1");
        var token = (await client.CallOptionsAsync(default)).Headers!;
        // Turning auth off drops every simple token; turning it on again leaves the client's token unknown.
        await cluster.EtcdctlAsync("auth", "disable");
        await cluster.EtcdctlAsync("auth", "enable");
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(cluster.ClientUrls[0]);
        var rejected = await Assert.ThrowsAsync<RpcException>(() =>
            new Etcdserverpb.KV.KVClient(channel).RangeAsync(new() { Key = EtcdKeys.Utf8("k") }, new CallOptions(token)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, rejected.StatusCode);
        Assert.Equal("etcdserver: invalid auth token", rejected.Status.Detail);
        Assert.Equal("1", (await client.GetAsync("k")).Kvs[0].Value.ToStringUtf8());
        Assert.NotSame(token, (await client.CallOptionsAsync(default)).Headers);
    }

    [Fact]
    public async Task Tls_ClientCertificate_KvAndWatchWork()
    {
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions { Tls = true, ClientCertAuth = true });
        var certs = cluster.Certificates!;
        using var client = new EtcdClient(new EtcdClientOptions
        {
            Endpoints = cluster.ClientUrls,
            CaFile = certs.CaFile,
            ClientCertFile = certs.ClientCertFile,
            ClientKeyFile = certs.ClientKeyFile,
        });
        var put = await client.PutAsync("tls/k", "secure");
        Assert.Equal("secure", (await client.GetAsync("tls/k")).Kvs[0].Value.ToStringUtf8());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var r in client.Watch("tls/k", new WatchOptions { StartRevision = put.Header.Revision }, cts.Token))
        {
            Assert.Equal("secure", r.Events[0].Kv.Value.ToStringUtf8());
            break;
        }
    }

    [Fact]
    public async Task TlsAndAuth_PrivateCaClientCertAndPassword_TokenUserGovernsKvKeepAliveAndWatch()
    {
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions { Tls = true, ClientCertAuth = true, EnableAuth = true });
        await cluster.AddPrefixUserAsync("bob", "bob-pw", "sec/");
        var certs = cluster.Certificates!;
        // The certificate names root; the password token names bob, and etcd uses the token when one is sent.
        using var client = new EtcdClient(new EtcdClientOptions
        {
            Endpoints = cluster.ClientUrls,
            CaFile = certs.CaFile,
            ClientCertFile = certs.ClientCertFile,
            ClientKeyFile = certs.ClientKeyFile,
            Username = "bob",
            Password = "bob-pw",
        });
        Assert.StartsWith("https://", client.CurrentEndpoint, StringComparison.Ordinal);
        var lease = await client.GrantLeaseAsync(5);
        var put = await client.PutAsync("sec/k", "both", lease.ID);
        Assert.Equal("both", (await client.GetAsync("sec/k")).Kvs[0].Value.ToStringUtf8());
        await using (var keepAlive = client.KeepAlive(lease.ID, TimeSpan.FromMilliseconds(200)))
        {
            using var ackCts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var first = await keepAlive.Events.ReadAsync(ackCts.Token);
            Assert.Equal(5, Assert.IsType<LeaseAcknowledged>(first).Ttl);
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var r in client.Watch("sec/k", new WatchOptions { StartRevision = put.Header.Revision }, cts.Token))
        {
            Assert.Equal("both", r.Events[0].Kv.Value.ToStringUtf8());
            break;
        }
        var denied = await Assert.ThrowsAsync<RpcException>(() => client.PutAsync("other/k", "1"));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    [Fact]
    public async Task Tls_WithoutClientCertificate_IsRefused()
    {
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions { Tls = true, ClientCertAuth = true });
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls, CaFile = cluster.Certificates!.CaFile });
        var e = await Assert.ThrowsAsync<RpcException>(() => client.GetAsync("k"));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
    }

    [Fact]
    public async Task Tls_UnknownCa_IsRejectedByTheClient()
    {
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions { Tls = true });
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls });
        var e = await Assert.ThrowsAsync<RpcException>(() => client.GetAsync("k"));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("SSL", e.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }
}
