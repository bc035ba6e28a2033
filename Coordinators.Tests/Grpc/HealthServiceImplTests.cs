using Coordinators.Actors.Grpc;
using Coordinators.Actors.Grpc.Health;
using ServingStatus = Coordinators.Actors.Grpc.Health.HealthCheckResponse.Types.ServingStatus;

namespace Coordinators.Tests.Grpc;

public sealed class HealthServiceImplTests
{
    [Fact]
    public async Task Check_ServerStartsServing_UnknownServiceNotFound()
    {
        var health = new HealthServiceImpl();
        Assert.Equal(ServingStatus.Serving, (await health.Check(new HealthCheckRequest(), null!)).Status);
        var e = await Assert.ThrowsAsync<RpcException>(() => health.Check(new HealthCheckRequest { Service = "x.Y" }, null!));
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Equal("unknown service x.Y", e.Status.Detail);
    }

    [Fact]
    public void SetClearShutdown_StatusesFollow_AndShutdownIsFinal()
    {
        var health = new HealthServiceImpl();
        health.SetStatus("a.A", ServingStatus.NotServing);
        Assert.Equal(ServingStatus.NotServing, health.GetStatus("a.A"));
        health.SetStatus("a.A", ServingStatus.Serving);
        Assert.Equal(ServingStatus.Serving, health.GetStatus("a.A"));
        health.ClearStatus("a.A");
        Assert.Null(health.GetStatus("a.A"));

        health.SetStatus("b.B", ServingStatus.Serving);
        health.EnterShutdown();
        Assert.Equal(ServingStatus.NotServing, health.GetStatus(string.Empty));
        Assert.Equal(ServingStatus.NotServing, health.GetStatus("b.B"));
        health.SetStatus("b.B", ServingStatus.Serving);
        Assert.Equal(ServingStatus.NotServing, health.GetStatus("b.B"));
    }
}
