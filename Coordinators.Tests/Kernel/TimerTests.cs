using Coordinators.Actors.Kernel;
using Coordinators.Actors.Kernel.Testing;
using Xunit.Abstractions;

namespace Coordinators.Tests.Kernel;

public sealed class TimerTests : TestKit
{
    private readonly ManualTimeProvider _time;

    public TimerTests(ITestOutputHelper output)
        : this(output, new ManualTimeProvider())
    {
    }

    private TimerTests(ITestOutputHelper output, ManualTimeProvider time)
        : base(output, time) => _time = time;

    private sealed record Start(string Key, string Message, TimeSpan Delay, bool Periodic = false);

    private sealed record CancelTimer(string Key);

    private sealed record IsActive(string Key);

    private sealed record Block(TaskCompletionSource Gate, string CancelAfter);

    /// <summary>Starts/cancels timers on command, acknowledges each command, forwards timer messages to the probe.</summary>
    private IActorRef TimerActor(IActorRef probe) => Sys.ActorOf(Props.Create(() => new InlineActor(a =>
    {
        a.On<Start>(s =>
        {
            if (s.Periodic)
            {
                a.TimerScheduler.StartPeriodicTimer(s.Key, s.Message, s.Delay);
            }
            else
            {
                a.TimerScheduler.StartSingleTimer(s.Key, s.Message, s.Delay);
            }
            a.CurrentSender.Tell("ack");
        });
        a.On<CancelTimer>(c =>
        {
            a.TimerScheduler.Cancel(c.Key);
            a.CurrentSender.Tell("ack");
        });
        a.On<IsActive>(q => a.CurrentSender.Tell(a.TimerScheduler.IsTimerActive(q.Key)));
        a.OnAsync<Block>(async b =>
        {
            probe.Tell("blocked");
            await b.Gate.Task;
            a.TimerScheduler.Cancel(b.CancelAfter);
        });
        a.On<Boom>(b => throw new InvalidOperationException(b.Reason));
        a.On<string>(s => probe.Tell(s));
    })));

    private async Task Command(IActorRef actor, object command)
    {
        var asker = CreateTestProbe();
        asker.Send(actor, command);
        await asker.ExpectMsgAsync("ack");
    }

    [Fact]
    public async Task SingleTimer_FiresOnceWhenTimeAdvances()
    {
        var actor = TimerActor(TestActor.Ref);
        await Command(actor, new Start("t", "tick", TimeSpan.FromSeconds(5)));
        _time.Advance(TimeSpan.FromSeconds(4));
        await TestActor.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        _time.Advance(TimeSpan.FromSeconds(1));
        await TestActor.ExpectMsgAsync("tick");
        _time.Advance(TimeSpan.FromSeconds(60));
        await TestActor.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        Assert.False(await actor.Ask<bool>(new IsActive("t"), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task PeriodicTimer_FiresEachInterval_UntilCancelled()
    {
        var actor = TimerActor(TestActor.Ref);
        await Command(actor, new Start("p", "beat", TimeSpan.FromSeconds(1), Periodic: true));
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(["beat", "beat", "beat"], (await TestActor.ReceiveNAsync(3)).Cast<string>());
        Assert.True(await actor.Ask<bool>(new IsActive("p"), TimeSpan.FromSeconds(5)));
        await Command(actor, new CancelTimer("p"));
        _time.Advance(TimeSpan.FromSeconds(3));
        await TestActor.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        Assert.False(await actor.Ask<bool>(new IsActive("p"), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task CancelledTimer_MessageAlreadyQueued_IsNeverDelivered()
    {
        var actor = TimerActor(TestActor.Ref);
        await Command(actor, new Start("t", "stale", TimeSpan.FromSeconds(1)));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        actor.Tell(new Block(gate, "t"));
        await TestActor.ExpectMsgAsync("blocked");
        // The timer fires while the actor is busy: its message is queued behind the blocking handler.
        _time.Advance(TimeSpan.FromSeconds(1));
        gate.SetResult();
        actor.Tell("after");
        await TestActor.ExpectMsgAsync("after");
        await TestActor.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task RestartedTimer_SameKey_OnlyNewOneDelivers()
    {
        var actor = TimerActor(TestActor.Ref);
        await Command(actor, new Start("t", "old", TimeSpan.FromSeconds(1)));
        await Command(actor, new Start("t", "new", TimeSpan.FromSeconds(2)));
        _time.Advance(TimeSpan.FromSeconds(5));
        await TestActor.ExpectMsgAsync("new");
        await TestActor.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task ActorRestart_CancelsTimers_PreRestartMessageNeverDelivered()
    {
        var actor = TimerActor(TestActor.Ref);
        await Command(actor, new Start("t", "before restart", TimeSpan.FromSeconds(1)));
        actor.Tell(new Boom("restart"));
        Assert.False(await actor.Ask<bool>(new IsActive("t"), TimeSpan.FromSeconds(5)));
        _time.Advance(TimeSpan.FromSeconds(2));
        actor.Tell("probe");
        await TestActor.ExpectMsgAsync("probe");
        await TestActor.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task ActorStop_CancelsTimers()
    {
        var actor = TimerActor(TestActor.Ref);
        await Command(actor, new Start("t", "x", TimeSpan.FromSeconds(1), Periodic: true));
        Assert.Equal(1, _time.ActiveTimerCount);
        TestActor.Watch(actor);
        Sys.Stop(actor);
        await TestActor.ExpectTerminatedAsync(actor);
        Assert.Equal(0, _time.ActiveTimerCount);
    }

    [Fact]
    public async Task AskTimeout_OnManualTime_FailsNamingTargetAndMessageType()
    {
        var silent = Sys.ActorOf(Props.Create(() => new InlineActor(a => a.OnAny(_ => { }))), "silent");
        var ask = silent.Ask<string>(new Get(), TimeSpan.FromSeconds(3));
        Assert.False(ask.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(3));
        var ex = await Assert.ThrowsAsync<AskTimeoutException>(() => ask);
        Assert.Equal("Ask timed out on /user/silent after 3000 ms waiting for a reply to Get", ex.Message);
    }

    [Fact]
    public void ManualTimeProvider_Advance_FiresTimersInDueOrderAtTheirDueTime()
    {
        var fired = new List<(string, TimeSpan)>();
        var start = _time.GetUtcNow();
        using var late = _time.CreateTimer(_ => fired.Add(("late", _time.GetUtcNow() - start)), null, TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);
        using var periodic = _time.CreateTimer(_ => fired.Add(("every2", _time.GetUtcNow() - start)), null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal([("every2", TimeSpan.FromSeconds(2)), ("late", TimeSpan.FromSeconds(3)), ("every2", TimeSpan.FromSeconds(4))], fired);
        Assert.Equal(TimeSpan.FromSeconds(5), _time.GetUtcNow() - start);
    }
}
