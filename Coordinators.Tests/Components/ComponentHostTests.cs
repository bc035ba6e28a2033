using Coordinators.Actors.Components;

namespace Coordinators.Tests.Components;

public sealed class ComponentHostTests
{
    [Fact]
    public async Task StartAsync_StagesAddedOutOfOrder_RunInOrderAndStopInReverse()
    {
        var log = new List<string>();
        var host = new ComponentHost("querynode");
        foreach (var (name, order) in new[] { ("ready", ComponentStages.Ready), ("grpc", ComponentStages.GrpcServer), ("session", ComponentStages.Session), ("deps", ComponentStages.Dependencies) })
        {
            host.AddStage(name, order, _ => { log.Add("start " + name); return Task.CompletedTask; }, _ => { log.Add("stop " + name); return Task.CompletedTask; });
        }

        await host.StartAsync();
        await host.StopAsync();

        Assert.Equal(["start grpc", "start deps", "start session", "start ready", "stop ready", "stop session", "stop deps", "stop grpc"], log);
        Assert.Equal(StateCode.Stopping, host.State);
    }

    [Fact]
    public async Task StopAsync_OneStopThrows_RunsEveryStopAndAggregates()
    {
        var log = new List<string>();
        var host = new ComponentHost("querynode");
        host.AddStage("a", 1, _ => Task.CompletedTask, _ => { log.Add("stop a"); return Task.CompletedTask; });
        host.AddStage("b", 2, _ => Task.CompletedTask, _ => throw new InvalidOperationException("b broke"));
        host.AddStage("c", 3, _ => Task.CompletedTask, _ => { log.Add("stop c"); return Task.CompletedTask; });
        await host.StartAsync();

        var error = await Assert.ThrowsAsync<AggregateException>(() => host.StopAsync());

        Assert.Equal(["stop c", "stop a"], log);
        Assert.Equal("b broke", Assert.Single(error.InnerExceptions).Message);
    }

    [Fact]
    public async Task StartAsync_StageThrows_StopsStartedStagesAndRethrows()
    {
        var log = new List<string>();
        var host = new ComponentHost("querynode");
        host.AddStage("a", 1, _ => Task.CompletedTask, _ => { log.Add("stop a"); return Task.CompletedTask; });
        host.AddStage("b", 2, _ => throw new InvalidOperationException("no etcd"), _ => { log.Add("stop b"); return Task.CompletedTask; });
        host.AddStage("c", 3, _ => { log.Add("start c"); return Task.CompletedTask; });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Equal("no etcd", error.Message);
        Assert.Equal(["stop a"], log);
        Assert.Equal(StateCode.Abnormal, host.State);
    }

    [Fact]
    public async Task WatchStates_Changes_PublishedInOrderWithIncreasingVersions()
    {
        var host = new ComponentHost("rootcoord");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        // The first MoveNext subscribes and yields the current snapshot: the changes below come after it.
        await using var states = host.WatchStates(cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await states.MoveNextAsync());
        var seen = new List<ComponentStateSnapshot> { states.Current };
        host.SetSession(7, 0x10, "registered");
        host.SetState(StateCode.StandBy, "queued");
        host.SetState(StateCode.Healthy, "primary", term: 42);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await states.MoveNextAsync());
            seen.Add(states.Current);
        }

        Assert.Equal([StateCode.Initializing, StateCode.Initializing, StateCode.StandBy, StateCode.Healthy], seen.Select(s => s.State));
        Assert.Equal([1L, 2, 3, 4], seen.Select(s => s.Version));
        Assert.Equal(7, seen[^1].ServerId);
        Assert.Equal(42, seen[^1].Term);
        Assert.Equal(0x10, host.LeaseId);
    }

    [Fact]
    public async Task AddStage_AfterStart_Throws()
    {
        var host = new ComponentHost("proxy");
        var started = host.StartAsync();
        Assert.Throws<InvalidOperationException>(() => host.AddStage("late", 1, _ => Task.CompletedTask));
        await started;
        await host.StopAsync();
    }
}
