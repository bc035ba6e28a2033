using Coordinators.Actors.Model;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Connections;
using Coordinators.Actors.Transport;

namespace Coordinators.Tests.Connections;

public sealed class InProcessComponentClientTests
{
    [Fact]
    public async Task Call_OtherServerId_FailsNodeNotMatch()
    {
        var client = new InProcessComponentClient(new SlowService(8), 3);
        var e = await Assert.ThrowsAsync<RpcException>(() => client.PingAsync(new PingRequest()));
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.True(ComponentCalls.IsNodeNotMatch(e));
    }

    [Fact]
    public async Task Call_ServiceWithoutServerIdYet_FailsUnavailableLikeTheGrpcPath()
    {
        var client = new InProcessComponentClient(new SlowService(0), 3);
        var e = await Assert.ThrowsAsync<RpcException>(() => client.PingAsync(new PingRequest()));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.False(ComponentCalls.IsNodeNotMatch(e));
    }

    [Fact]
    public async Task Call_LifetimeCancelled_FailsUnavailableAtOnce()
    {
        using var lifetime = new CancellationTokenSource();
        var client = new InProcessComponentClient(new SlowService(4), 4, lifetime: lifetime.Token);
        var work = client.WorkAsync(new WorkRequest { Milliseconds = 30_000 });
        await lifetime.CancelAsync();
        var e = await Assert.ThrowsAsync<RpcException>(() => work.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Equal("server 4 left: session deleted", e.Status.Detail);
    }

    [Fact]
    public async Task Call_PastDeadline_FailsDeadlineExceeded()
    {
        var client = new InProcessComponentClient(new SlowService(5), 5);
        var e = await Assert.ThrowsAsync<RpcException>(() => client.WorkAsync(new WorkRequest { Milliseconds = 30_000 }, new CallOptions().WithTimeout(TimeSpan.FromMilliseconds(50))));
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
    }

    [Fact]
    public async Task Call_MatchingServer_ReachesTheServiceDirectly()
    {
        var client = new InProcessComponentClient(new SlowService(6), 6);
        var reply = await client.PingAsync(new PingRequest { Payload = "hi" });
        Assert.Equal(new PingResponse { Payload = "hi", Role = "querynode", ServerId = 6 }, reply);
    }

    /// <summary>An in-process service whose Work waits as asked, honouring cancellation.</summary>
    [Fact]
    public async Task StandaloneFactory_ServiceRegisteredAfterTheClientWasMade_LaterCallsGoInProcess()
    {
        // Standalone: the session key reaches the ConnectionManager a moment before its process registers the service.
        var directory = new LocalComponentDirectory();
        var remote = new CountingFactory();
        var factory = new InProcessComponentClientFactory(directory, remote);
        using var client = (LocalFirstComponentClient)factory.Create(new SessionInfo { ServerId = 21, Role = "querynode", Address = "127.0.0.1:1" }, default);
        Assert.Equal(0, remote.Created);

        directory.Register(new SlowService(21));
        var pong = await client.PingAsync(new PingRequest { Payload = "p" });

        Assert.Equal(21, pong.ServerId);
        Assert.Equal(nameof(InProcessComponentClient), client.Transport);
        Assert.Equal(0, remote.Created);
    }

    [Fact]
    public async Task StandaloneFactory_SessionOfAnotherProcess_CallsGoThroughTheFallback()
    {
        var remote = new CountingFactory();
        using var client = (LocalFirstComponentClient)new InProcessComponentClientFactory(new LocalComponentDirectory(), remote)
            .Create(new SessionInfo { ServerId = 22, Role = "querynode", Address = "127.0.0.1:1" }, default);

        var e = await Assert.ThrowsAsync<RpcException>(() => client.PingAsync(new PingRequest()));

        Assert.Equal("fallback for server 22", e.Status.Detail);
        Assert.Equal(1, remote.Created);
    }

    /// <summary>A fallback factory whose clients fail every call, counting how many it made.</summary>
    private sealed class CountingFactory : IComponentClientFactory
    {
        public int Created { get; private set; }

        public IComponentClient Create(SessionInfo session, CancellationToken lifetime)
        {
            Created++;
            return new InProcessComponentClient(new FailingService(session.ServerId), session.ServerId);
        }
    }

    private sealed class FailingService(long serverId) : IComponentService
    {
        public long ServerId => serverId;

        public Task<ComponentStates> GetComponentStatesAsync(GetComponentStatesRequest request, CancellationToken cancellationToken) => Fail<ComponentStates>();

        public Task<PingResponse> PingAsync(PingRequest request, CancellationToken cancellationToken) => Fail<PingResponse>();

        public Task<WorkResponse> WorkAsync(WorkRequest request, CancellationToken cancellationToken) => Fail<WorkResponse>();

        public Task<ProxyResponse> ProxyAsync(ProxyRequest request, CancellationToken cancellationToken) => Fail<ProxyResponse>();

        private Task<T> Fail<T>() => Task.FromException<T>(RpcErrors.Create(StatusCode.Unavailable, $"fallback for server {serverId}"));
    }

    internal sealed class SlowService(long serverId, string role = "querynode", TimeSpan? connectDelay = null) : IComponentService
    {
        public long ServerId => serverId;

        public async Task<ComponentStates> GetComponentStatesAsync(GetComponentStatesRequest request, CancellationToken cancellationToken)
        {
            if (connectDelay is { } d)
            {
                await Task.Delay(d, cancellationToken);
            }
            return new ComponentStates { Role = role, ServerId = serverId, State = StateCode.Healthy };
        }

        public Task<PingResponse> PingAsync(PingRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new PingResponse { Payload = request.Payload, Role = role, ServerId = serverId });

        public async Task<WorkResponse> WorkAsync(WorkRequest request, CancellationToken cancellationToken)
        {
            await Task.Delay(request.Milliseconds, cancellationToken);
            return new WorkResponse { ServerId = serverId, ElapsedMs = request.Milliseconds };
        }

        public Task<ProxyResponse> ProxyAsync(ProxyRequest request, CancellationToken cancellationToken) =>
            throw RpcErrors.Create(StatusCode.Unimplemented, "no proxy");
    }
}
