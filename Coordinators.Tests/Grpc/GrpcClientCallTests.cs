using Coordinators.Actors.Etcd;
using Coordinators.Actors.Etcd.Etcdserverpb;
using Coordinators.Actors.Grpc;
using Coordinators.Tests.Etcd;
using Coordinators.Tests.Fixtures;
using Google.Protobuf;

namespace Coordinators.Tests.Grpc;

/// <summary>Status, deadline, cancellation, limits and metadata of our gRPC client, against etcd.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class GrpcClientCallTests(EtcdSingleFixture etcd) : IClassFixture<EtcdSingleFixture>
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(20);
    private readonly string _url = etcd.Cluster.ClientUrls[0];

    [Fact]
    public async Task Unary_ErrorAsTrailersOnlyResponse_ThrowsStatusFromHeaders()
    {
        using var channel = GrpcChannel.ForAddress(_url);
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            channel.UnaryAsync(EtcdMethods.Range, new RangeRequest { Key = ByteString.CopyFromUtf8("k"), Revision = 1_000_000 }));
        Assert.Equal(StatusCode.OutOfRange, e.StatusCode);
        Assert.Equal("etcdserver: mvcc: required revision is a future revision", e.Status.Detail);
    }

    [Fact]
    public async Task Duplex_DeadlinePassesWhileStreamOpen_ThrowsDeadlineExceeded()
    {
        using var channel = GrpcChannel.ForAddress(_url);
        using var call = channel.Duplex(EtcdMethods.Watch, new CallOptions().WithTimeout(TimeSpan.FromMilliseconds(300)));
        await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8("dl") } });
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.True(call.ResponseStream.Current.Created);
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext().WaitAsync(Backstop));
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.Equal(StatusCode.DeadlineExceeded, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unary_DeadlineAlreadyPassed_ThrowsDeadlineExceededWithoutSending()
    {
        using var channel = GrpcChannel.ForAddress(_url);
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            channel.UnaryAsync(EtcdMethods.Range, new RangeRequest { Key = ByteString.CopyFromUtf8("k") }, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(-1))));
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
    }

    [Fact]
    public async Task Duplex_Cancelled_ThrowsCancelled()
    {
        using var channel = GrpcChannel.ForAddress(_url);
        using var cts = new CancellationTokenSource();
        using var call = channel.Duplex(EtcdMethods.Watch, new CallOptions(CancellationToken: cts.Token));
        await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8("cx") } });
        Assert.True(await call.ResponseStream.MoveNext());
        var next = call.ResponseStream.MoveNext();
        await cts.CancelAsync();
        var e = await Assert.ThrowsAsync<RpcException>(() => next.WaitAsync(Backstop));
        Assert.Equal(StatusCode.Cancelled, e.StatusCode);
    }

    [Fact]
    public async Task Unary_RefusedConnection_ThrowsUnavailableAndCountsAsNotSent()
    {
        using var channel = GrpcChannel.ForAddress("http://127.0.0.1:" + LoopbackPorts.Next());
        var e = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(EtcdMethods.Range, new RangeRequest()));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.True(Coordinators.Actors.Grpc.Internal.GrpcErrors.WasNotSent(e));
    }

    [Fact]
    public async Task Unary_ResponseOverReceiveLimit_ThrowsResourceExhaustedAndChannelStaysUsable()
    {
        var key = ByteString.CopyFromUtf8("big/" + Guid.NewGuid().ToString("N"));
        using var channel = GrpcChannel.ForAddress(_url, new GrpcChannelOptions { MaxReceiveMessageSize = 10_000 });
        await channel.UnaryAsync(EtcdMethods.Put, new PutRequest { Key = key, Value = ByteString.CopyFrom(new byte[20_000]) });
        var e = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(EtcdMethods.Range, new RangeRequest { Key = key }));
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        var small = await channel.UnaryAsync(EtcdMethods.Range, new RangeRequest { Key = key, CountOnly = true });
        Assert.Equal(1, small.Count);
    }

    [Fact]
    public async Task Unary_RequestOverSendLimit_ThrowsResourceExhausted()
    {
        using var channel = GrpcChannel.ForAddress(_url, new GrpcChannelOptions { MaxSendMessageSize = 1_000 });
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            channel.UnaryAsync(EtcdMethods.Put, new PutRequest { Key = ByteString.CopyFromUtf8("k"), Value = ByteString.CopyFrom(new byte[2_000]) }));
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.StartsWith("trying to send message larger than max", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerStreaming_Snapshot_ReadsEveryChunkThenOk()
    {
        using var channel = GrpcChannel.ForAddress(_url);
        using var call = channel.ServerStreaming(EtcdMethods.Snapshot, new SnapshotRequest());
        long bytes = 0;
        SnapshotResponse? last = null;
        await foreach (var chunk in call.ResponseStream)
        {
            bytes += chunk.Blob.Length;
            last = chunk;
        }
        Assert.True(bytes > 4096);
        Assert.Equal(0UL, last!.RemainingBytes);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unary_ManyConcurrentCallsOnOneChannel_AllSucceed()
    {
        using var channel = GrpcChannel.ForAddress(_url);
        var prefix = "conc/" + Guid.NewGuid().ToString("N") + "/";
        await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            channel.UnaryAsync(EtcdMethods.Put, new PutRequest { Key = ByteString.CopyFromUtf8(prefix + i), Value = ByteString.CopyFromUtf8("v") })));
        var r = await channel.UnaryAsync(EtcdMethods.Range, new RangeRequest
        {
            Key = ByteString.CopyFromUtf8(prefix),
            RangeEnd = EtcdKeys.PrefixEnd(ByteString.CopyFromUtf8(prefix)),
            CountOnly = true,
        });
        Assert.Equal(64, r.Count);
    }
}
