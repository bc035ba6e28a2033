using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Connections;
using Coordinators.Actors.Transport;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Connections;

public sealed class ClientRegistryTests
{
    private static ClientHandle Handle(string key, long serverId, ClientState state, string role = "querynode") => new()
    {
        Key = key,
        Role = role,
        Session = new SessionInfo { ServerId = serverId, Role = role, Address = $"127.0.0.1:{1000 + serverId}" },
        State = state,
        Client = new NoClient(),
    };

    [Fact]
    public void Publish_Online_IndexesAndRaisesOnlineEvent()
    {
        var registry = new ClientRegistry();
        var events = registry.Subscribe("querynode", out var unsubscribe);
        registry.Publish(Handle("k/querynode-2", 2, ClientState.Connecting), "discovered");
        registry.Publish(Handle("k/querynode-2", 2, ClientState.Online), "connected");
        registry.Publish(Handle("k/querynode-1", 1, ClientState.Online), "connected");

        Assert.Equal([1L, 2L], registry.Online("querynode").Select(h => h.ServerId));
        Assert.True(registry.ByServerId(2)!.IsOnline);
        Assert.Equal(2, registry.Count);
        Assert.True(events.TryRead(out var first));
        Assert.Equal(new ClientEvent(ClientEventKind.Online, "querynode", 2, "127.0.0.1:1002", "connected"), first);
        Assert.True(events.TryRead(out var second));
        Assert.Equal(1, second!.ServerId);
        Assert.False(events.TryRead(out _));
        unsubscribe();
    }

    [Fact]
    public void Remove_KeyTakenByAnotherServer_KeepsTheNewHandle()
    {
        var registry = new ClientRegistry();
        var old = Handle("k/rootcoord", 5, ClientState.Online, "rootcoord");
        registry.Publish(old, "connected");
        registry.Publish(Handle("k/rootcoord", 6, ClientState.Connecting, "rootcoord"), "new primary");
        registry.Remove("k/rootcoord", old, "stopped");
        Assert.Equal(6, registry.ByKey("k/rootcoord")!.ServerId);
    }

    [Fact]
    public void Remove_OnlineHandle_RaisesOfflineWithReason()
    {
        var registry = new ClientRegistry();
        var h = Handle("k/querynode-3", 3, ClientState.Online);
        registry.Publish(h, "connected");
        var events = registry.Subscribe("querynode", out var unsubscribe);
        Assert.True(events.TryRead(out var replay));
        Assert.Equal("already online", replay!.Reason);
        registry.Remove(h.Key, h, "server 3 left: session deleted");
        Assert.True(events.TryRead(out var offline));
        Assert.Equal(new ClientEvent(ClientEventKind.Offline, "querynode", 3, "127.0.0.1:1003", "server 3 left: session deleted"), offline);
        Assert.Empty(registry.Online("querynode"));
        Assert.Null(registry.ByServerId(3));
        unsubscribe();
    }

    [Fact]
    public void NextChange_CompletesOnTheRolesNextPublishOnly()
    {
        var registry = new ClientRegistry();
        var change = registry.NextChange("rootcoord");
        registry.Publish(Handle("k/querynode-1", 1, ClientState.Online), "other role");
        Assert.False(change.IsCompleted);
        registry.Publish(Handle("k/rootcoord", 7, ClientState.Online, "rootcoord"), "primary");
        Assert.True(change.IsCompletedSuccessfully);
    }

    private sealed class NoClient : IComponentClient
    {
        public Task<ComponentStates> GetComponentStatesAsync(GetComponentStatesRequest request, CallOptions options = default) => throw new NotSupportedException();

        public Task<PingResponse> PingAsync(PingRequest request, CallOptions options = default) => throw new NotSupportedException();

        public Task<WorkResponse> WorkAsync(WorkRequest request, CallOptions options = default) => throw new NotSupportedException();

        public Task<ProxyResponse> ProxyAsync(ProxyRequest request, CallOptions options = default) => throw new NotSupportedException();
    }
}
