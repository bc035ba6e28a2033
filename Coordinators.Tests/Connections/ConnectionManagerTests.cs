using Coordinators.Tests.Etcd;
using System.Diagnostics;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Config;
using Coordinators.Actors.Connections;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Transport;
using Coordinators.Actors.Sessions;
using Coordinators.Tests.Fixtures;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Connections;

/// <summary>ConnectionManager against a real etcd and real in-process component servers (ComponentHost + Kestrel).</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ConnectionManagerTests(EtcdSingleFixture etcd) : IClassFixture<EtcdSingleFixture>
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(15);

    private EtcdClient Etcd => etcd.Client;

    private static ConnectionManagerOptions Options(EtcdLayout layout) => new()
    {
        Layout = layout,
        Connect = new RetryPolicyOptions { MaxAttempts = 3, AttemptTimeout = TimeSpan.FromSeconds(2), Backoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(200) },
    };

    [Fact]
    public async Task AddDependency_ExistingSessions_AllComeOnline()
    {
        var layout = EtcdSingleFixture.NewLayout();
        await using var a = await TestNode.StartAsync(Etcd, layout, Roles.QueryNode, 11);
        await using var b = await TestNode.StartAsync(Etcd, layout, Roles.QueryNode, 12);
        await using var cm = new ConnectionManager(Etcd, Options(layout));
        await cm.AddDependencyAsync(Roles.QueryNode);
        var online = await cm.WaitForClientsAsync(Roles.QueryNode, 2).WaitAsync(Backstop);
        Assert.Equal([11L, 12L], online.Select(h => h.ServerId));
        Assert.All(online, h => Assert.Equal(Actors.Components.StateCode.Healthy, h.ComponentState));
        Assert.True(cm.IsOnline(11));
        Assert.True(cm.IsOnline(Roles.QueryNode));
        Assert.False(cm.IsOnline(Roles.DataNode));
    }

    [Fact]
    public async Task AddEvent_SessionRegisteredLater_WatchClientsSeesOnline()
    {
        var layout = EtcdSingleFixture.NewLayout();
        await using var cm = new ConnectionManager(Etcd, Options(layout));
        await cm.AddDependencyAsync(Roles.DataNode);
        using var cts = new CancellationTokenSource(Backstop);
        await using var events = cm.WatchClients(Roles.DataNode, cts.Token).GetAsyncEnumerator(cts.Token);
        var next = events.MoveNextAsync();
        await using var node = await TestNode.StartAsync(Etcd, layout, Roles.DataNode, 21);
        Assert.True(await next);
        Assert.Equal(new ClientEvent(ClientEventKind.Online, Roles.DataNode, 21, node.Address, "connected"), events.Current);
        var reply = await cm.ForRole(Roles.DataNode).PingAsync(new PingRequest { Payload = "p" });
        Assert.Equal(21, reply.ServerId);
    }

    [Fact]
    public async Task DelEvent_SessionDeleted_OfflineEventAndClientGone()
    {
        var layout = EtcdSingleFixture.NewLayout();
        await using var node = await TestNode.StartAsync(Etcd, layout, Roles.IndexNode, 31);
        await using var cm = new ConnectionManager(Etcd, Options(layout));
        await cm.AddDependencyAsync(Roles.IndexNode);
        using var cts = new CancellationTokenSource(Backstop);
        await using var events = cm.WatchClients(Roles.IndexNode, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(ClientEventKind.Online, events.Current.Kind);
        await node.DeleteSessionAsync();
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(new ClientEvent(ClientEventKind.Offline, Roles.IndexNode, 31, node.Address, "server 31 left: session deleted"), events.Current);
        Assert.False(cm.IsOnline(31));
        Assert.Empty(cm.GetAllClients(Roles.IndexNode));
    }

    [Fact]
    public async Task DelEvent_WorkInFlight_FailsUnavailableOnTheEventNotAfterItsTimeout()
    {
        var layout = EtcdSingleFixture.NewLayout();
        await using var node = await TestNode.StartAsync(Etcd, layout, Roles.QueryNode, 41);
        await using var cm = new ConnectionManager(Etcd, Options(layout));
        await cm.AddDependencyAsync(Roles.QueryNode);
        await cm.WaitForClientsAsync(Roles.QueryNode, 1).WaitAsync(Backstop);

        // Our own watch on the key timestamps the DELETE event as etcd delivers it.
        using var watchCts = new CancellationTokenSource(Backstop);
        var deleteSeen = await DeleteWatch.StartAsync(Etcd, layout, node.Key, watchCts.Token);
        var work = cm.ForServer(41).WorkAsync(new WorkRequest { Milliseconds = 5000 });
        var failedAt = work.ContinueWith(_ => Stopwatch.GetTimestamp(), TaskScheduler.Default);
        Assert.False(work.IsCompleted);
        await node.DeleteSessionAsync();

        var e = await Assert.ThrowsAsync<RpcException>(() => work.WaitAsync(Backstop));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Equal("server 41 left: session deleted", e.Status.Detail);
        var abort = Stopwatch.GetElapsedTime(await deleteSeen, await failedAt);
        // A backstop well under one TTL (the benchmark measures ~0.5 ms): the call is aborted by the event, not by a timeout.
        Assert.True(abort < TimeSpan.FromSeconds(1), $"the call failed {abort.TotalMilliseconds:0.0} ms after the DELETE event");
    }

    [Fact]
    public async Task MalformedSession_IsSkipped_OthersComeOnline()
    {
        var layout = EtcdSingleFixture.NewLayout();
        await Etcd.PutAsync(layout.SessionKey(Roles.QueryNode, 50), "{not json");
        await Etcd.PutAsync(layout.SessionKey(Roles.QueryNode, 51), "{\"serverId\":51}");
        await using var node = await TestNode.StartAsync(Etcd, layout, Roles.QueryNode, 52);
        await using var cm = new ConnectionManager(Etcd, Options(layout));
        await cm.AddDependencyAsync(Roles.QueryNode);
        var online = await cm.WaitForClientsAsync(Roles.QueryNode, 1).WaitAsync(Backstop);
        Assert.Equal([52L], online.Select(h => h.ServerId));
        Assert.Equal([52L], cm.GetAllClients(Roles.QueryNode).Select(h => h.ServerId));
    }

    [Fact]
    public async Task ConnectRetriesExhausted_GoesOffline_ALaterAddReconnects()
    {
        var layout = EtcdSingleFixture.NewLayout();
        var port = LoopbackPorts.Next();
        var key = layout.SessionKey(Roles.DataNode, 61);
        var session = new SessionInfo { ServerId = 61, Role = Roles.DataNode, Address = $"127.0.0.1:{port}" };
        await Etcd.PutAsync(key, session.ToJson());
        await using var cm = new ConnectionManager(Etcd, Options(layout));
        using var cts = new CancellationTokenSource(Backstop);
        await using var states = WatchHandle(cm, Roles.DataNode, cts.Token).GetAsyncEnumerator(cts.Token);
        await cm.AddDependencyAsync(Roles.DataNode);
        var offline = await NextAsync(states, h => h.State == ClientState.Offline);
        Assert.StartsWith("connect failed 3 times, last: Unavailable", offline.LastError, StringComparison.Ordinal);

        // The process comes up on that port; the next Add event (its registration) reconnects.
        await using var node = await TestNode.StartAsync(Etcd, layout, Roles.DataNode, 61, port, register: false);
        await Etcd.PutAsync(key, session.ToJson());
        var online = await NextAsync(states, h => h.State == ClientState.Online);
        Assert.Equal(61, online.ServerId);
    }

    [Fact]
    public async Task RestartedOnSamePort_NewServerId_OldClientIsNeverReached()
    {
        var layout = EtcdSingleFixture.NewLayout();
        var old = await TestNode.StartAsync(Etcd, layout, Roles.QueryNode, 71);
        var port = old.Port;
        await using var cm = new ConnectionManager(Etcd, Options(layout));
        await cm.AddDependencyAsync(Roles.QueryNode);
        await cm.WaitForClientsAsync(Roles.QueryNode, 1).WaitAsync(Backstop);
        // The old process dies without its session being deleted (as a SIGKILL: the lease still runs).
        await old.Host.DisposeAsync();
        await using var fresh = await TestNode.StartAsync(Etcd, layout, Roles.QueryNode, 72, port, register: false);

        var e = await Assert.ThrowsAsync<RpcException>(() => cm.ForServer(71).PingAsync(new PingRequest()));
        Assert.True(e.StatusCode is StatusCode.FailedPrecondition or StatusCode.Unavailable, e.ToString());
        using var cts = new CancellationTokenSource(Backstop);
        await cm.WaitForAsync(Roles.QueryNode, () => !cm.IsOnline(71), cts.Token);
        Assert.Equal(ClientState.Offline, cm.GetAllClients(Roles.QueryNode).Single(h => h.ServerId == 71).State);
        var again = await Assert.ThrowsAsync<RpcException>(() => cm.ForServer(71).PingAsync(new PingRequest()));
        Assert.Equal(StatusCode.Unavailable, again.StatusCode);

        await fresh.RegisterAsync();
        var online = await cm.WaitForClientsAsync(Roles.QueryNode, 1).WaitAsync(Backstop);
        Assert.Equal(72, online.Single().ServerId);
        Assert.Equal(72, (await cm.ForRole(Roles.QueryNode).PingAsync(new PingRequest())).ServerId);
    }

    [Fact]
    public async Task HealthCheck_PeerChangesState_HandleFollowsIt()
    {
        var layout = EtcdSingleFixture.NewLayout();
        await using var node = await TestNode.StartAsync(Etcd, layout, Roles.QueryNode, 73);
        await using var cm = new ConnectionManager(Etcd, Options(layout) with { HealthCheck = new HealthCheckOptions { Interval = TimeSpan.FromMilliseconds(100) } });
        await cm.AddDependencyAsync(Roles.QueryNode);
        await cm.WaitForClientsAsync(Roles.QueryNode, 1).WaitAsync(Backstop);
        using var cts = new CancellationTokenSource(Backstop);

        node.Host.SetState(Actors.Components.StateCode.Abnormal, "test: disk full");
        await cm.WaitForAsync(Roles.QueryNode, () => cm.Registry.ByServerId(73)?.ComponentState == Actors.Components.StateCode.Abnormal, cts.Token);
        Assert.True(cm.IsOnline(73)); // it answers: still reachable, its state is for the caller to judge
    }

    [Fact]
    public async Task HealthCheck_AddressNowServesAnotherServer_OfflineAtOnceUntilTheNextAdd()
    {
        var layout = EtcdSingleFixture.NewLayout();
        await using var old = await TestNode.StartAsync(Etcd, layout, Roles.QueryNode, 74);
        var port = old.Port;
        // Long timeouts and many failures allowed: only the node-not-match answer can take it offline this fast.
        var health = new HealthCheckOptions { Interval = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromSeconds(5), Failures = 50 };
        await using var cm = new ConnectionManager(Etcd, Options(layout) with { HealthCheck = health });
        await cm.AddDependencyAsync(Roles.QueryNode);
        await cm.WaitForClientsAsync(Roles.QueryNode, 1).WaitAsync(Backstop);
        using var cts = new CancellationTokenSource(Backstop);

        // Restarted on the same port with a new ServerID; the old session's lease still runs. No call is made.
        await old.Host.DisposeAsync();
        await using var fresh = await TestNode.StartAsync(Etcd, layout, Roles.QueryNode, 75, port, register: false);
        await cm.WaitForAsync(Roles.QueryNode, () => !cm.IsOnline(74), cts.Token);
        Assert.Contains("node not match", cm.Registry.ByServerId(74)!.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailFast_OfflineTarget_FailsUnder5ms()
    {
        var layout = EtcdSingleFixture.NewLayout();
        await Etcd.PutAsync(layout.SessionKey(Roles.QueryNode, 81), new SessionInfo { ServerId = 81, Role = Roles.QueryNode, Address = $"127.0.0.1:{LoopbackPorts.Next()}" }.ToJson());
        await using var cm = new ConnectionManager(Etcd, Options(layout) with { Connect = Options(layout).Connect with { MaxAttempts = 1 } });
        await cm.AddDependencyAsync(Roles.QueryNode);
        using var cts = new CancellationTokenSource(Backstop);
        await cm.WaitForAsync(Roles.QueryNode, () => cm.GetAllClients(Roles.QueryNode) is [{ State: ClientState.Offline }], cts.Token);
        var client = cm.ForServer(81);
        _ = await Assert.ThrowsAsync<RpcException>(() => client.PingAsync(new PingRequest())); // warm-up (JIT)
        // The median of 21 calls: one call can meet a GC pause or a descheduled thread on a busy CI machine.
        var times = new List<TimeSpan>();
        RpcException? e = null;
        for (var i = 0; i < 21; i++)
        {
            var started = Stopwatch.GetTimestamp();
            e = await Assert.ThrowsAsync<RpcException>(() => client.PingAsync(new PingRequest()));
            times.Add(Stopwatch.GetElapsedTime(started));
        }
        Assert.Equal(StatusCode.Unavailable, e!.StatusCode);
        Assert.StartsWith("server 81 is Offline: connect failed 1 times", e.Status.Detail, StringComparison.Ordinal);
        var median = times.Order().ElementAt(times.Count / 2);
        Assert.True(median < TimeSpan.FromMilliseconds(5), $"fail-fast median {median.TotalMilliseconds:0.000} ms");
        var role = await Assert.ThrowsAsync<RpcException>(() => cm.ForRole(Roles.QueryNode).PingAsync(new PingRequest()));
        Assert.Equal("no querynode is online", role.Status.Detail);
    }

    /// <summary>Every change of the role's first handle, as published.</summary>
    internal static async IAsyncEnumerable<ClientHandle> WatchHandle(ConnectionManager cm, string role, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ClientHandle? last = null;
        while (true)
        {
            var change = cm.Registry.NextChange(role);
            var all = cm.GetAllClients(role);
            var now = all.Count > 0 ? all[0] : null;
            if (now is not null && !ReferenceEquals(now, last))
            {
                last = now;
                yield return now;
            }
            await change.WaitAsync(cancellationToken);
        }
    }

    internal static async Task<ClientHandle> NextAsync(IAsyncEnumerator<ClientHandle> states, Func<ClientHandle, bool> predicate)
    {
        while (await states.MoveNextAsync())
        {
            if (predicate(states.Current))
            {
                return states.Current;
            }
        }
        throw new InvalidOperationException("no more states");
    }
}
