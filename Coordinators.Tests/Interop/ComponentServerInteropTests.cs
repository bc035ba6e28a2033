using System.Text.Json;
using Coordinators.Actors.Components;
using Coordinators.Tests.Fixtures;
using StateCode = Coordinators.Actors.Components.StateCode;

namespace Coordinators.Tests.Interop;

/// <summary>
/// A component's Grpc.AspNetCore server called by @grpc/grpc-js, a real and independent gRPC implementation, in a
/// node process: unary calls, deadlines, the typed node-not-match error, and grpc.health.v1 Check and Watch telling
/// a primary from a standby.
/// </summary>
[Collection(IntegrationCollection.Name)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes through IAsyncLifetime.DisposeAsync.")]
[Trait("Category", "Integration")]
public sealed class ComponentServerInteropTests : IAsyncLifetime
{
    private readonly ComponentHost _host = new("rootcoord");

    public async Task InitializeAsync()
    {
        _host.UseGrpcServer("127.0.0.1:0");
        await _host.StartAsync();
        _host.SetSession(7, 0x77, "test session");
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string[] Texts(JsonElement result, string field) =>
        [.. result.GetProperty("responses").EnumerateArray().Select(r => r.GetProperty(field).ToString())];

    private static void AssertCode(int expected, JsonElement result) =>
        Assert.True(result.GetProperty("code").GetInt32() == expected, $"expected code {expected}, got {result}");

    [Fact]
    public async Task Ping_GrpcJsCallToPrimary_AnsweredWithIdentityAndTerm()
    {
        _host.SetState(StateCode.Healthy, "primary", term: 12);
        var result = await NodeInterop.RunAsync(_host.Address, "ping", null, "7");
        AssertCode(0, result);
        Assert.Equal(["hello"], Texts(result, "payload"));
        Assert.Equal(["7"], Texts(result, "server_id"));
        Assert.Equal(["12"], Texts(result, "term"));
    }

    [Fact]
    public async Task Ping_GrpcJsCallToStandby_UnavailableNamingState()
    {
        _host.SetState(StateCode.StandBy, "standby");
        var result = await NodeInterop.RunAsync(_host.Address, "ping", null, "7");
        AssertCode(14, result);
        Assert.Equal("rootcoord (server 7) is StandBy", result.GetProperty("details").GetString());
    }

    [Fact]
    public async Task Reject_WrongServerId_FailedPreconditionWithTypedTrailer()
    {
        _host.SetState(StateCode.Healthy, "primary", term: 3);
        var result = await NodeInterop.RunAsync(_host.Address, "reject", null, "999");
        AssertCode(9, result);
        Assert.Equal("node not match: this is server 7, the call was for 999", result.GetProperty("details").GetString());
        Assert.Equal(ComponentMethods.NodeNotMatchCode, result.GetProperty("trailers").GetProperty(ComponentMethods.ErrorTrailer).GetString());
    }

    [Fact]
    public async Task Deadline_GrpcJsTimeout_DeadlineExceeded()
    {
        _host.SetState(StateCode.Healthy, "primary", term: 3);
        var result = await NodeInterop.RunAsync(_host.Address, "deadline");
        AssertCode(4, result);
    }

    [Fact]
    public async Task UnknownMethod_OfComponentService_Unimplemented()
    {
        var result = await NodeInterop.RunAsync(_host.Address, "unknown-method");
        AssertCode(12, result);
    }

    [Fact]
    public async Task HealthCheck_Primary_ProcessAndRoleServing()
    {
        _host.SetState(StateCode.Healthy, "primary", term: 3);
        var process = await NodeInterop.RunAsync(_host.Address, "health-check", null, "");
        var role = await NodeInterop.RunAsync(_host.Address, "health-check", null, "rootcoord");
        AssertCode(0, process);
        AssertCode(0, role);
        Assert.Equal(["SERVING"], Texts(process, "status"));
        Assert.Equal(["SERVING"], Texts(role, "status"));
    }

    [Fact]
    public async Task HealthCheck_Standby_ProcessServingRoleNotServing()
    {
        _host.SetState(StateCode.StandBy, "standby");
        var process = await NodeInterop.RunAsync(_host.Address, "health-check", null, "");
        var role = await NodeInterop.RunAsync(_host.Address, "health-check", null, "rootcoord");
        Assert.Equal(["SERVING"], Texts(process, "status"));
        Assert.Equal(["NOT_SERVING"], Texts(role, "status"));
    }

    [Fact]
    public async Task HealthCheck_UnknownService_NotFound()
    {
        var result = await NodeInterop.RunAsync(_host.Address, "health-check", null, "no.such.Service");
        AssertCode(5, result);
    }

    [Fact]
    public async Task HealthWatch_StandbyBecomesPrimary_StreamedToGrpcJs()
    {
        _host.SetState(StateCode.StandBy, "standby");
        var result = await NodeInterop.RunAsync(_host.Address, "health-watch", e =>
        {
            // The first status arrived, so the watch is registered: take over now.
            if (e.GetProperty("response").GetProperty("status").GetString() == "NOT_SERVING")
            {
                _host.SetState(StateCode.Healthy, "took over", term: 4);
            }
            return Task.CompletedTask;
        }, "rootcoord");
        AssertCode(1, result);
        Assert.Equal(["NOT_SERVING", "SERVING"], Texts(result, "status"));
    }
}
