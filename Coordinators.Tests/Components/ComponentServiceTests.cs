using Coordinators.Actors.Components;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Election;
using Grpc.Net.Client;
using Grpc.Health.V1;
using Microsoft.Extensions.Time.Testing;
using StateCode = Coordinators.Actors.Components.StateCode;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Components;

/// <summary>The component service over a real Kestrel server: ServerID check, state check, lease guard.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes through IAsyncLifetime.DisposeAsync.")]
public sealed class ComponentServiceTests : IAsyncLifetime
{
    private readonly ComponentHost _host = new("querynode");
    private GrpcChannel _channel = null!;
    private Component.ComponentClient _client = null!;
    private Health.HealthClient _health = null!;

    public async Task InitializeAsync()
    {
        _host.UseGrpcServer("127.0.0.1:0");
        await _host.StartAsync();
        _host.SetSession(5, 0x55, "test session");
        _channel = GrpcChannel.ForAddress("http://" + _host.Address);
        _client = new Component.ComponentClient(_channel);
        _health = new Health.HealthClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Call_OtherServerId_FailedPreconditionNodeNotMatch()
    {
        _host.SetState(StateCode.Healthy, "test");
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _client.PingAsync(new PingRequest(), new CallOptions(ComponentMethods.ForServer(6))).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("node not match: this is server 5, the call was for 6", error.Status.Detail);
    }

    [Fact]
    public async Task Call_ProcessWithoutServerIdYet_UnavailableNotNodeNotMatch()
    {
        // The session key is in etcd a moment before the process knows its ServerID: a caller that found the key and
        // calls at once must be told to retry, not that the address serves another process (which drops the client).
        await using var starting = new ComponentHost("datanode");
        starting.UseGrpcServer("127.0.0.1:0");
        await starting.StartAsync();
        using var channel = GrpcChannel.ForAddress("http://" + starting.Address);
        var client = new Component.ComponentClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.GetComponentStatesAsync(new GetComponentStatesRequest(), new CallOptions(ComponentMethods.ForServer(7))).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.False(Coordinators.Actors.Connections.ComponentCalls.IsNodeNotMatch(error));
        Assert.Equal("this process has no ServerID yet (its session is being registered); the call was for 7", error.Status.Detail);
    }

    [Fact]
    public async Task GetComponentStates_OtherServerId_AlsoRefused()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _client.GetComponentStatesAsync(new GetComponentStatesRequest(), new CallOptions(ComponentMethods.ForServer(4))).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    [Fact]
    public async Task Ping_NotHealthy_UnavailableNamingState()
    {
        _host.SetState(StateCode.StandBy, "test");
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _client.PingAsync(new PingRequest(), new CallOptions(ComponentMethods.ForServer(5))).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("querynode (server 5) is StandBy", error.Status.Detail);
    }

    [Fact]
    public async Task GetComponentStates_NotHealthy_StillAnswered()
    {
        _host.SetState(StateCode.StandBy, "test");
        var states = await _client.GetComponentStatesAsync(new GetComponentStatesRequest(), new CallOptions(ComponentMethods.ForServer(5))).ResponseAsync;
        Assert.Equal("querynode", states.Role);
        Assert.Equal(5, states.ServerId);
        Assert.Equal(Actors.Components.Proto.StateCode.StandBy, states.State);
        Assert.Equal(Environment.ProcessId, states.Pid);
        Assert.Equal(_host.Address, states.Address);
        // grpc.health.v1: the process ("") serves while it runs; the role serves only while Healthy.
        var process = await _health.CheckAsync(new HealthCheckRequest()).ResponseAsync;
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, process.Status);
        var role = await _health.CheckAsync(new HealthCheckRequest { Service = "querynode" }).ResponseAsync;
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, role.Status);
    }

    [Fact]
    public async Task PingAndWork_Healthy_Answered()
    {
        _host.SetState(StateCode.Healthy, "test", term: 9);
        var pong = await _client.PingAsync(new PingRequest { Payload = "x" }, new CallOptions(ComponentMethods.ForServer(5))).ResponseAsync;
        Assert.Equal(("x", 5L, 9L), (pong.Payload, pong.ServerId, pong.Term));
        var work = await _client.WorkAsync(new WorkRequest { Milliseconds = 20 }).ResponseAsync;
        Assert.Equal(5, work.ServerId);
        // Timers may fire a millisecond or two early and the figure is truncated: this only shows Work waited.
        Assert.InRange(work.ElapsedMs, 10, 10_000);
        var health = await _health.CheckAsync(new HealthCheckRequest { Service = ComponentMethods.ServiceName }).ResponseAsync;
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task Proxy_NoHandler_Unimplemented()
    {
        _host.SetState(StateCode.Healthy, "test");
        var error = await Assert.ThrowsAsync<RpcException>(() => _client.ProxyAsync(new ProxyRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task Ping_HealthyWithExpiredGuard_RefusedAndReported()
    {
        var (time, rejected) = HealthyPrimaryWithGuard();
        await _client.PingAsync(new PingRequest()).ResponseAsync;

        time.Advance(TimeSpan.FromSeconds(2)); // as a SIGSTOPped process sees it when resumed
        var error = await Assert.ThrowsAsync<RpcException>(() => _client.PingAsync(new PingRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("lease guard expired", error.Status.Detail, StringComparison.Ordinal);
        await rejected.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task GetComponentStates_HealthyWithExpiredGuard_AbnormalAndReported()
    {
        var (time, rejected) = HealthyPrimaryWithGuard();
        var before = await _client.GetComponentStatesAsync(new GetComponentStatesRequest()).ResponseAsync;
        Assert.Equal(Actors.Components.Proto.StateCode.Healthy, before.State);

        time.Advance(TimeSpan.FromSeconds(2)); // as a SIGSTOPped primary sees it when resumed, before its actors run
        var after = await _client.GetComponentStatesAsync(new GetComponentStatesRequest()).ResponseAsync;

        Assert.Equal(Actors.Components.Proto.StateCode.Abnormal, after.State);
        Assert.Equal(3, after.Term);
        await rejected.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    // A Healthy primary (term 3) whose guard (TTL 2 s, margin 400 ms) was just acknowledged on a fake clock, and a task
    // that completes when the guard refuses.
    private (FakeTimeProvider Time, TaskCompletionSource Rejected) HealthyPrimaryWithGuard()
    {
        var time = new FakeTimeProvider();
        time.Advance(TimeSpan.FromSeconds(1));
        var guard = new LeaseGuard(time, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(400));
        guard.Acknowledged(time.GetTimestamp());
        _host.Guard = guard;
        _host.SetState(StateCode.Healthy, "primary", term: 3);
        var rejected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _host.GuardRejected += () => rejected.TrySetResult();
        return (time, rejected);
    }
}
