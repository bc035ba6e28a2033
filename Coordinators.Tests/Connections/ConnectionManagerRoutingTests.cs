using Coordinators.Tests.Etcd;
using System.Diagnostics;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Connections;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Transport;
using Coordinators.Actors.Sessions;
using Coordinators.Tests.Fixtures;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Connections;

/// <summary>Coordinator primaries, wait-for-primary, round-robin, parallel connects and in-process clients.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ConnectionManagerRoutingTests(EtcdSingleFixture etcd) : IClassFixture<EtcdSingleFixture>
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(15);

    private EtcdClient Etcd => etcd.Client;

    [Fact]
    public async Task CoordinatorRole_FollowsTheActiveKey_AndRepointsOnFailover()
    {
        var layout = EtcdSingleFixture.NewLayout();
        await using var first = await TestNode.StartAsync(Etcd, layout, Roles.RootCoord, 101);
        await using var second = await TestNode.StartAsync(Etcd, layout, Roles.RootCoord, 102);
        await first.RegisterAsync(layout.ActiveKey(Roles.RootCoord), term: 7);
        await using var cm = new ConnectionManager(Etcd, new ConnectionManagerOptions { Layout = layout });
        await cm.AddDependencyAsync(Roles.RootCoord);
        var primary = await cm.WaitForClientsAsync(Roles.RootCoord, 1).WaitAsync(Backstop);
        // Only the active key is followed: the standby's process session is not a client.
        Assert.Equal([(101L, 7L)], primary.Select(h => (h.ServerId, h.Term)));
        Assert.Equal(101, (await cm.ForRole(Roles.RootCoord).PingAsync(new PingRequest())).ServerId);

        await first.DeleteSessionAsync();
        await second.RegisterAsync(layout.ActiveKey(Roles.RootCoord), term: 9);
        using var cts = new CancellationTokenSource(Backstop);
        await cm.WaitForAsync(Roles.RootCoord, () => cm.GetClients(Roles.RootCoord) is [{ ServerId: 102 }], cts.Token);
        Assert.Equal(102, (await cm.ForRole(Roles.RootCoord).PingAsync(new PingRequest())).ServerId);
    }

    [Fact]
    public async Task WaitForPrimary_CallMadeWithoutPrimary_CompletesOnTheNextOne()
    {
        var layout = EtcdSingleFixture.NewLayout();
        await using var cm = new ConnectionManager(Etcd, new ConnectionManagerOptions { Layout = layout });
        await cm.AddDependencyAsync(Roles.DataCoord);
        var failFast = await Assert.ThrowsAsync<RpcException>(() => cm.ForRole(Roles.DataCoord).PingAsync(new PingRequest()));
        Assert.Equal("no datacoord primary is online", failFast.Status.Detail);

        var waiting = cm.ForRole(Roles.DataCoord, waitForPrimary: true).PingAsync(new PingRequest(), new CallOptions().WithTimeout(Backstop));
        Assert.False(waiting.IsCompleted);
        await using var node = await TestNode.StartAsync(Etcd, layout, Roles.DataCoord, 111, register: false);
        await node.RegisterAsync(layout.ActiveKey(Roles.DataCoord), term: 3);
        Assert.Equal(111, (await waiting.WaitAsync(Backstop)).ServerId);
    }

    [Fact]
    public async Task WaitForPrimary_NoPrimaryBeforeTheDeadline_FailsDeadlineExceeded()
    {
        var layout = EtcdSingleFixture.NewLayout();
        await using var cm = new ConnectionManager(Etcd, new ConnectionManagerOptions { Layout = layout });
        await cm.AddDependencyAsync(Roles.QueryCoord);
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            cm.ForRole(Roles.QueryCoord, waitForPrimary: true).PingAsync(new PingRequest(), new CallOptions().WithTimeout(TimeSpan.FromMilliseconds(200))));
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.Equal("no querycoord primary came online within the call's deadline", e.Status.Detail);
    }

    [Fact]
    public async Task WaitForPrimary_QueueFull_FailsAtOnce()
    {
        var layout = EtcdSingleFixture.NewLayout();
        await using var cm = new ConnectionManager(Etcd, new ConnectionManagerOptions { Layout = layout, MaxPrimaryWaiters = 1 });
        await cm.AddDependencyAsync(Roles.IndexCoord);
        using var cts = new CancellationTokenSource();
        var client = cm.ForRole(Roles.IndexCoord, waitForPrimary: true);
        var first = client.PingAsync(new PingRequest(), new CallOptions(cancellationToken: cts.Token).WithTimeout(Backstop));
        var e = await Assert.ThrowsAsync<RpcException>(() => client.PingAsync(new PingRequest(), new CallOptions().WithTimeout(Backstop)));
        Assert.Equal("no indexcoord primary online and 1 calls already wait for one", e.Status.Detail);
        await cts.CancelAsync();
        var cancelled = await Assert.ThrowsAsync<RpcException>(() => first);
        Assert.Equal(StatusCode.Cancelled, cancelled.StatusCode);
    }

    [Fact]
    public async Task ForRole_NodeRole_RoundRobinsOverOnlineClients()
    {
        var layout = EtcdSingleFixture.NewLayout();
        await using var a = await TestNode.StartAsync(Etcd, layout, Roles.QueryNode, 121);
        await using var b = await TestNode.StartAsync(Etcd, layout, Roles.QueryNode, 122);
        await using var cm = new ConnectionManager(Etcd, new ConnectionManagerOptions { Layout = layout });
        await cm.AddDependencyAsync(Roles.QueryNode);
        await cm.WaitForClientsAsync(Roles.QueryNode, 2).WaitAsync(Backstop);
        var client = cm.ForRole(Roles.QueryNode);
        var served = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            served.Add((await client.PingAsync(new PingRequest())).ServerId);
        }
        Assert.Equal(2, served.Count(s => s == 121));
        Assert.Equal(2, served.Count(s => s == 122));
    }

    [Fact]
    public async Task ForRole_NodeDeadButSessionAlive_EveryCallServedByTheOtherNode()
    {
        // A SIGKILLed node keeps its session until the lease expires; calls meeting its refused port must go on
        // to another online node of the role instead of failing.
        var layout = EtcdSingleFixture.NewLayout();
        await using var a = await TestNode.StartAsync(Etcd, layout, Roles.DataNode, 131);
        await using var b = await TestNode.StartAsync(Etcd, layout, Roles.DataNode, 132);
        await using var cm = new ConnectionManager(Etcd, new ConnectionManagerOptions { Layout = layout });
        await cm.AddDependencyAsync(Roles.DataNode);
        await cm.WaitForClientsAsync(Roles.DataNode, 2).WaitAsync(Backstop);
        await a.Host.StopAsync();
        Assert.True(cm.IsOnline(131)); // the session is still there: only the calls can tell
        var client = cm.ForRole(Roles.DataNode);
        var served = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            served.Add((await client.PingAsync(new PingRequest())).ServerId);
        }
        Assert.All(served, s => Assert.Equal(132, s));
    }

    [Fact]
    public async Task FiftySessionsAtOnce_AllOnlineInAboutOneConnectTime()
    {
        var layout = EtcdSingleFixture.NewLayout();
        var connectDelay = TimeSpan.FromMilliseconds(300);
        var directory = new LocalComponentDirectory();
        for (var id = 1; id <= 50; id++)
        {
            directory.Register(new InProcessComponentClientTests.SlowService(1000 + id, Roles.DataNode, connectDelay));
        }
        var factory = new InProcessComponentClientFactory(directory, new GrpcComponentClientFactory());
        await using var cm = new ConnectionManager(Etcd, new ConnectionManagerOptions { Layout = layout, ClientFactory = factory });
        await cm.AddDependencyAsync(Roles.DataNode);
        var txn = Etcd.Txn();
        var puts = Enumerable.Range(1, 50).Select(id => Op.Put(layout.SessionKey(Roles.DataNode, 1000 + id),
            new SessionInfo { ServerId = 1000 + id, Role = Roles.DataNode, Address = $"in-process:{id}" }.ToJson())).ToArray();
        var started = Stopwatch.GetTimestamp();
        await txn.Then(puts).CommitAsync();
        var online = await cm.WaitForClientsAsync(Roles.DataNode, 50).WaitAsync(Backstop);
        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.Equal(50, online.Count);
        // One after another this would take 50 x 300 ms = 15 s; in parallel about one connect.
        Assert.True(elapsed < connectDelay * 10, $"50 connects took {elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task InProcessClients_StandaloneMode_CallTheServiceDirectly()
    {
        var layout = EtcdSingleFixture.NewLayout();
        var directory = new LocalComponentDirectory();
        directory.Register(new InProcessComponentClientTests.SlowService(131, Roles.IndexNode));
        var factory = new InProcessComponentClientFactory(directory, new GrpcComponentClientFactory());
        await Etcd.PutAsync(layout.SessionKey(Roles.IndexNode, 131), new SessionInfo { ServerId = 131, Role = Roles.IndexNode, Address = "127.0.0.1:1" }.ToJson());
        await using var cm = new ConnectionManager(Etcd, new ConnectionManagerOptions { Layout = layout, ClientFactory = factory });
        await cm.AddDependencyAsync(Roles.IndexNode);
        var handle = (await cm.WaitForClientsAsync(Roles.IndexNode, 1).WaitAsync(Backstop)).Single();
        Assert.Equal(nameof(InProcessComponentClient), Assert.IsType<LocalFirstComponentClient>(handle.Client).Transport);
        Assert.Equal(131, (await cm.ForServer(131).WorkAsync(new WorkRequest { Milliseconds = 1 })).ServerId);
    }
}
