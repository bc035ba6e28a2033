using Coordinators.Actors.Components;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Connections.Nodes;
using Coordinators.Actors.Election;
using Coordinators.Actors.Sessions;
using Microsoft.Extensions.Time.Testing;
using StateCode = Coordinators.Actors.Components.StateCode;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Connections;

/// <summary>Standalone's in-process service applies the same serving check as the gRPC interceptor, reporting included.</summary>
public sealed class HostComponentServiceTests
{
    [Fact]
    public async Task Ping_HealthyWithExpiredGuard_RefusedAndReportedLikeTheGrpcPath()
    {
        var time = new FakeTimeProvider();
        time.Advance(TimeSpan.FromSeconds(1));
        var guard = new LeaseGuard(time, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(400));
        guard.Acknowledged(time.GetTimestamp());
        await using var host = new ComponentHost(Roles.RootCoord) { Guard = guard };
        host.SetSession(9, 0x9, "test session");
        host.SetState(StateCode.Healthy, "primary", term: 2);
        var service = new HostComponentService(host);
        var rejected = 0;
        host.GuardRejected += () => rejected++;
        await service.PingAsync(new PingRequest(), default);

        time.Advance(TimeSpan.FromSeconds(2)); // as a SIGSTOPped process sees it when resumed
        var error = await Assert.ThrowsAsync<RpcException>(() => service.PingAsync(new PingRequest(), default));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("rootcoord (server 9) lease guard expired; it no longer serves as primary", error.Status.Detail);
        Assert.Equal(1, rejected);
    }
}
