using Coordinators.Actors.Etcd;
using Coordinators.Actors.Etcd.Etcdserverpb;
using Coordinators.Actors.Grpc;
using Coordinators.Tests.Fixtures;
using Google.Protobuf;

namespace Coordinators.Tests.Grpc;

/// <summary>Our gRPC client against etcd (a grpc-go server).</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class GrpcClientEtcdTests
{
    [Fact]
    public async Task Unary_PutThenRange_ReturnsValue()
    {
        await using var etcd = await EtcdCluster.StartSingleAsync();
        using var channel = GrpcChannel.ForAddress(etcd.ClientUrls[0]);
        await channel.UnaryAsync(EtcdMethods.Put, new PutRequest { Key = ByteString.CopyFromUtf8("g/a"), Value = ByteString.CopyFromUtf8("1") });
        var r = await channel.UnaryAsync(EtcdMethods.Range, new RangeRequest { Key = ByteString.CopyFromUtf8("g/a") });
        Assert.Equal("1", Assert.Single(r.Kvs).Value.ToStringUtf8());
    }

    [Fact]
    public async Task Duplex_LeaseKeepAlive_AnswersEachRequestThenEndsOnHalfClose()
    {
        await using var etcd = await EtcdCluster.StartSingleAsync();
        using var channel = GrpcChannel.ForAddress(etcd.ClientUrls[0]);
        var lease = await channel.UnaryAsync(EtcdMethods.LeaseGrant, new LeaseGrantRequest { TTL = 10 });
        using var call = channel.Duplex(EtcdMethods.LeaseKeepAlive);
        for (var i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease.ID });
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal(lease.ID, call.ResponseStream.Current.ID);
            Assert.Equal(10, call.ResponseStream.Current.TTL);
        }
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unary_MemberPaused_LocalDeadlineFiresDeadlineExceeded()
    {
        await using var etcd = await EtcdCluster.StartSingleAsync();
        using var channel = GrpcChannel.ForAddress(etcd.ClientUrls[0]);
        await channel.UnaryAsync(EtcdMethods.Range, new RangeRequest { Key = ByteString.CopyFromUtf8("warm") });
        etcd.Pause(0);
        try
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var e = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(EtcdMethods.Range,
                new RangeRequest { Key = ByteString.CopyFromUtf8("k") }, new CallOptions().WithTimeout(TimeSpan.FromMilliseconds(300))));
            Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
            Assert.InRange(sw.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        }
        finally
        {
            etcd.Resume(0);
        }
    }

    [Fact]
    public async Task Unary_MetadataTokenRejected_ThrowsUnauthenticated()
    {
        await using var etcd = await EtcdCluster.StartAsync(new EtcdClusterOptions { EnableAuth = true });
        using var channel = GrpcChannel.ForAddress(etcd.ClientUrls[0]);
        var auth = await channel.UnaryAsync(EtcdMethods.Authenticate, new AuthenticateRequest { Name = "root", Password = EtcdCluster.RootPassword });
        var good = new Metadata { { "token", auth.Token } };
        good.Add("x-trace-bin", [1, 2, 3]);
        await channel.UnaryAsync(EtcdMethods.Put, new PutRequest { Key = ByteString.CopyFromUtf8("m"), Value = ByteString.CopyFromUtf8("1") }, new CallOptions(good));
        var e = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(EtcdMethods.Range,
            new RangeRequest { Key = ByteString.CopyFromUtf8("m") }, new CallOptions(new Metadata { { "token", "bogus.1" } })));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Equal("etcdserver: invalid auth token", e.Status.Detail);
    }

    [Fact]
    public async Task Unary_TlsWithClientCertificate_Succeeds()
    {
        await using var etcd = await EtcdCluster.StartAsync(new EtcdClusterOptions { Tls = true, ClientCertAuth = true });
        var certs = etcd.Certificates!;
        using var channel = GrpcChannel.ForAddress(etcd.ClientUrls[0], new GrpcChannelOptions
        {
            CaFile = certs.CaFile,
            ClientCertFile = certs.ClientCertFile,
            ClientKeyFile = certs.ClientKeyFile,
        });
        var r = await channel.UnaryAsync(EtcdMethods.Status, new StatusRequest());
        Assert.Equal("3.4.23", r.Version);
    }
}
