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
}
