using Coordinators.Actors.Kernel;
using Coordinators.Actors.Kernel.Testing;
using Xunit.Abstractions;

namespace Coordinators.Tests.Kernel;

public sealed class BackoffSupervisorTests : TestKit
{
    private readonly ManualTimeProvider _time;

    public BackoffSupervisorTests(ITestOutputHelper output)
        : this(output, new ManualTimeProvider())
    {
    }

    private BackoffSupervisorTests(ITestOutputHelper output, ManualTimeProvider time)
        : base(output, time) => _time = time;

    [Fact]
    public void CalculateDelay_DoublesCapsAndAddsJitter()
    {
        var min = TimeSpan.FromMilliseconds(100);
        var max = TimeSpan.FromSeconds(1);
        Assert.Equal(TimeSpan.FromMilliseconds(100), BackoffSupervisor.CalculateDelay(0, min, max, 0.2, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(400), BackoffSupervisor.CalculateDelay(2, min, max, 0.2, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(1000), BackoffSupervisor.CalculateDelay(5, min, max, 0.2, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(1200), BackoffSupervisor.CalculateDelay(40, min, max, 0.2, 1));
        Assert.Equal(TimeSpan.FromMilliseconds(110), BackoffSupervisor.CalculateDelay(0, min, max, 0.2, 0.5));
    }

    private IActorRef Supervisor(BackoffMode mode = BackoffMode.OnFailure, int maxRestarts = -1) =>
        Sys.ActorOf(BackoffSupervisor.Props(new BackoffOptions(Props.Create(() => new LifecycleActor(TestActor.Ref, "c")), "conn")
        {
            MinBackoff = TimeSpan.FromSeconds(1),
            MaxBackoff = TimeSpan.FromSeconds(10),
            RandomFactor = 0,
            ResetAfter = TimeSpan.FromSeconds(30),
            Mode = mode,
            MaxRestarts = maxRestarts,
        }), "backoff");

    private async Task WaitForRestartCount(IActorRef supervisor, int expected) =>
        await AwaitAssertAsync(async () => Assert.Equal(expected, (await supervisor.Ask<RestartCount>(GetRestartCount.Instance, TimeSpan.FromSeconds(5))).Count));

    [Fact]
    public async Task ChildFails_RestartedAfterExponentialDelays()
    {
        var supervisor = Supervisor();
        await TestActor.ExpectMsgAsync("c:PreStart");
        supervisor.Tell(new Boom("1"));
        await TestActor.ExpectMsgAsync("c:PostStop");
        await WaitForRestartCount(supervisor, 1);
        _time.Advance(TimeSpan.FromMilliseconds(999));
        await TestActor.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await TestActor.ExpectMsgAsync("c:PreStart");

        supervisor.Tell(new Boom("2"));
        await TestActor.ExpectMsgAsync("c:PostStop");
        await WaitForRestartCount(supervisor, 2);
        _time.Advance(TimeSpan.FromMilliseconds(1999));
        await TestActor.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await TestActor.ExpectMsgAsync("c:PreStart");
    }

    [Fact]
    public async Task StableChild_ResetsRestartCount()
    {
        var supervisor = Supervisor();
        await TestActor.ExpectMsgAsync("c:PreStart");
        supervisor.Tell(new Boom("1"));
        await WaitForRestartCount(supervisor, 1);
        _time.Advance(TimeSpan.FromSeconds(1));
        await TestActor.FishForMessageAsync<string>(s => s == "c:PreStart");
        _time.Advance(TimeSpan.FromSeconds(30));
        await WaitForRestartCount(supervisor, 0);
    }

    [Fact]
    public async Task Messages_ForwardedToChildWithSender()
    {
        var supervisor = Supervisor();
        await TestActor.ExpectMsgAsync("c:PreStart");
        var child = (await supervisor.Ask<CurrentChild>(GetCurrentChild.Instance, TimeSpan.FromSeconds(5))).Ref;
        Assert.Equal("/user/backoff/conn", child!.Path);
        supervisor.Tell("hello");
        await TestActor.ExpectMsgAsync("hello");
        Assert.Same(child, TestActor.LastSender);
    }

    [Fact]
    public async Task OnFailureMode_ChildStopsByItself_SupervisorStops()
    {
        var supervisor = Supervisor();
        await TestActor.ExpectMsgAsync("c:PreStart");
        var watcher = CreateTestProbe();
        watcher.Watch(supervisor);
        supervisor.Tell(PoisonPill.Instance);
        await watcher.ExpectTerminatedAsync(supervisor);
    }

    [Fact]
    public async Task MaxRestarts_Exhausted_SupervisorStops()
    {
        var supervisor = Supervisor(BackoffMode.OnStop, maxRestarts: 1);
        await TestActor.ExpectMsgAsync("c:PreStart");
        var watcher = CreateTestProbe();
        watcher.Watch(supervisor);
        var child = (await supervisor.Ask<CurrentChild>(GetCurrentChild.Instance, TimeSpan.FromSeconds(5))).Ref!;
        Sys.Stop(child);
        await WaitForRestartCount(supervisor, 1);
        _time.Advance(TimeSpan.FromSeconds(1));
        await TestActor.FishForMessageAsync<string>(s => s == "c:PreStart");
        supervisor.Tell(new Boom("again"));
        await watcher.ExpectTerminatedAsync(supervisor);
    }
}
