using System.Diagnostics;
using Coordinators.Actors.Components;
using Coordinators.Actors.Components.Proto;
using Grpc.Health.V1;
using Grpc.Net.Client;
using StateCode = Coordinators.Actors.Components.StateCode;

namespace Coordinators.Tests.Components;

/// <summary>
/// Stopping a component ends its open calls and health watches at once with Unavailable; Grpc.AspNetCore alone
/// would hold them until its shutdown timeout.
/// </summary>
public sealed class ComponentServerStopTests
{
    [Fact]
    public async Task Stop_WorkCallAndHealthWatchOpen_BothEndUnavailableNamingTheStop()
    {
        var host = new ComponentHost("datanode").UseGrpcServer("127.0.0.1:0");
        await host.StartAsync();
        host.SetSession(3, 0x33, "test session");
        host.SetState(StateCode.Healthy, "test");
        using var channel = GrpcChannel.ForAddress("http://" + host.Address);
        var client = new Component.ComponentClient(channel);
        var health = new Health.HealthClient(channel);

        using var watch = health.Watch(new HealthCheckRequest { Service = "datanode" });
        Assert.True(await watch.ResponseStream.MoveNext(default));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, watch.ResponseStream.Current.Status);
        var work = client.WorkAsync(new WorkRequest { Milliseconds = 60_000 }).ResponseAsync;
        // The Work call is in the handler once a later call on the same connection has been answered.
        await client.GetComponentStatesAsync(new GetComponentStatesRequest());

        var stopping = Stopwatch.StartNew();
        await host.StopAsync();
        stopping.Stop();

        // HTTP/2 streams are not ordered: the Work call is in its handler ("is stopping") or, had it not been admitted
        // yet, refused by the state check ("is Stopping"); Unavailable either way. The watch was open for sure.
        var workError = await Assert.ThrowsAsync<RpcException>(() => work.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(StatusCode.Unavailable, workError.StatusCode);
        Assert.True(workError.Status.Detail is "datanode (server 3) is stopping" or "datanode (server 3) is Stopping", workError.Status.Detail);
        // The watch ended with Unavailable; the NOT_SERVING of the Stopping state may or may not make it out first.
        var statuses = new List<HealthCheckResponse.Types.ServingStatus>();
        var watchError = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await watch.ResponseStream.MoveNext(default))
            {
                statuses.Add(watch.ResponseStream.Current.Status);
            }
        });
        Assert.Equal(StatusCode.Unavailable, watchError.StatusCode);
        Assert.Equal("datanode (server 3) is stopping", watchError.Status.Detail);
        Assert.DoesNotContain(HealthCheckResponse.Types.ServingStatus.Serving, statuses);
        // Backstop only: without the stopping token the stop waits for the 1 s shutdown timeout.
        Assert.True(stopping.ElapsedMilliseconds < 900, $"stop took {stopping.ElapsedMilliseconds} ms");
    }
}
