using Coordinators.Actors.Kernel;
using Xunit.Abstractions;

namespace Coordinators.Tests.Kernel;

public sealed class SupervisionTests(ITestOutputHelper output) : TestKit(output)
{
    /// <summary>A parent whose children are supervised by <paramref name="strategy"/>; replies to Props with the new child.</summary>
    private IActorRef Parent(SupervisorStrategy strategy, string name = "parent") =>
        Sys.ActorOf(Props.Create(() => new InlineActor(a => a.On<Props>(p => a.CurrentSender.Tell(a.Ctx.ActorOf(p, "child"))))).WithSupervisorStrategy(strategy), name);

    private async Task<IActorRef> ChildOf(IActorRef parent, Props props)
    {
        var asker = CreateTestProbe();
        asker.Send(parent, props);
        return await asker.ExpectMsgAsync<IActorRef>();
    }

    [Fact]
    public async Task Restart_ClearsState_KeepsLaterMessages()
    {
        var parent = Parent(new OneForOneStrategy(_ => Directive.Restart));
        var child = await ChildOf(parent, Props.Create<CounterActor>());
        child.Tell(10);
        child.Tell(new Boom("x"));
        child.Tell(1);
        child.Tell(2);
        child.Tell(new Get(), TestActor.Ref);
        Assert.Equal(3, await TestActor.ExpectMsgAsync<int>());
    }

    [Fact]
    public async Task Resume_KeepsState_DropsFailingMessage()
    {
        var parent = Parent(new OneForOneStrategy(_ => Directive.Resume));
        var child = await ChildOf(parent, Props.Create<CounterActor>());
        child.Tell(10);
        child.Tell(new Boom("x"));
        child.Tell(1);
        child.Tell(new Get(), TestActor.Ref);
        Assert.Equal(11, await TestActor.ExpectMsgAsync<int>());
    }

    [Fact]
    public async Task Stop_Directive_StopsChild()
    {
        var parent = Parent(new OneForOneStrategy(_ => Directive.Stop));
        var child = await ChildOf(parent, Props.Create<CounterActor>());
        TestActor.Watch(child);
        child.Tell(new Boom("x"));
        await TestActor.ExpectTerminatedAsync(child);
    }

    [Fact]
    public async Task Decider_ChoosesByExceptionType()
    {
        var parent = Parent(new OneForOneStrategy(ex => ex is InvalidOperationException ? Directive.Resume : Directive.Stop));
        var probe = TestActor.Ref;
        var child = await ChildOf(parent, Props.Create(() => new InlineActor(a =>
        {
            a.On<string>(s => s == "io", _ => throw new InvalidOperationException());
            a.On<string>(s => s == "arg", _ => throw new ArgumentException("bad"));
            a.On<string>(s => probe.Tell(s));
        })));
        TestActor.Watch(child);
        child.Tell("io");
        child.Tell("alive");
        await TestActor.ExpectMsgAsync("alive");
        child.Tell("arg");
        await TestActor.ExpectTerminatedAsync(child);
    }

    [Fact]
    public async Task RestartLimit_Reached_StopsChild()
    {
        var time = new Actors.Kernel.Testing.ManualTimeProvider();
        await using var kit = new Actors.Kernel.Testing.TestKitBase(new ActorSystemOptions { TimeProvider = time });
        var parent = kit.Sys.ActorOf(Props.Create(() => new InlineActor(a => a.On<Props>(p => a.CurrentSender.Tell(a.Ctx.ActorOf(p, "child")))))
            .WithSupervisorStrategy(new OneForOneStrategy(2, TimeSpan.FromMinutes(1), _ => Directive.Restart)));
        var probe = kit.CreateTestProbe();
        probe.Send(parent, Props.Create(() => new LifecycleActor(probe.Ref, "c")));
        var child = await probe.FishForMessageAsync<IActorRef>();
        probe.Watch(child);
        child.Tell(new Boom("1"));
        await probe.FishForMessageAsync<string>(s => s == "c:PostRestart");
        child.Tell(new Boom("2"));
        await probe.FishForMessageAsync<string>(s => s == "c:PostRestart");
        child.Tell(new Boom("3"));
        await probe.FishForMessageAsync<Terminated>(t => t.ActorRef.Equals(child));
    }

    [Fact]
    public async Task RestartLimit_WindowPassed_CountStartsAgain()
    {
        var time = new Actors.Kernel.Testing.ManualTimeProvider();
        await using var kit = new Actors.Kernel.Testing.TestKitBase(new ActorSystemOptions { TimeProvider = time });
        var parent = kit.Sys.ActorOf(Props.Create(() => new InlineActor(a => a.On<Props>(p => a.CurrentSender.Tell(a.Ctx.ActorOf(p, "child")))))
            .WithSupervisorStrategy(new OneForOneStrategy(1, TimeSpan.FromSeconds(10), _ => Directive.Restart)));
        var probe = kit.CreateTestProbe();
        probe.Send(parent, Props.Create<CounterActor>());
        var child = await probe.ExpectMsgAsync<IActorRef>();
        probe.Watch(child);
        child.Tell(new Boom("1"));
        child.Tell(new Get(), probe.Ref);
        await probe.ExpectMsgAsync(0);
        time.Advance(TimeSpan.FromSeconds(11));
        child.Tell(new Boom("2"));
        child.Tell(new Get(), probe.Ref);
        await probe.ExpectMsgAsync(0);
    }

    [Fact]
    public async Task Restart_CallsHooksOnOldAndFreshInstance()
    {
        var parent = Parent(new OneForOneStrategy(_ => Directive.Restart));
        var child = await ChildOf(parent, Props.Create(() => new LifecycleActor(TestActor.Ref, "c")));
        await TestActor.ExpectMsgAsync("c:PreStart");
        child.Tell(new Boom("why"));
        Assert.Equal(["c:PreRestart:why", "c:PostStop", "c:PostRestart", "c:PreStart"], (await TestActor.ReceiveNAsync(4)).Cast<string>());
    }

    [Fact]
    public async Task PreStartFailure_StopsActor()
    {
        var actor = Sys.ActorOf(Props.Create(() => new FailingStart()));
        TestActor.Watch(actor);
        await TestActor.ExpectTerminatedAsync(actor);
    }

    [Fact]
    public async Task Escalate_ParentRestarts_ChildIsStoppedWithIt()
    {
        var probe = TestActor.Ref;
        var grandparent = Sys.ActorOf(Props.Create(() => new InlineActor(a => a.On<Props>(p => a.CurrentSender.Tell(a.Ctx.ActorOf(p, "parent")))))
            .WithSupervisorStrategy(new OneForOneStrategy(_ => Directive.Restart)));
        var parentProps = Props.Create(() => new LifecycleActor(probe, "p"))
            .WithSupervisorStrategy(new OneForOneStrategy(_ => Directive.Escalate));
        var asker = CreateTestProbe();
        asker.Send(grandparent, parentProps);
        var parent = await asker.ExpectMsgAsync<IActorRef>();
        await TestActor.ExpectMsgAsync("p:PreStart");
        asker.Send(parent, Props.Create(() => new LifecycleActor(probe, "c")));
        var child = await asker.ExpectMsgAsync<IActorRef>();
        await TestActor.ExpectMsgAsync("c:PreStart");
        child.Tell(new Boom("escalated"));
        var events = (await TestActor.ReceiveNAsync(5)).Cast<string>().ToList();
        Assert.Equal(["c:PostStop", "p:PostRestart", "p:PostStop", "p:PreRestart:escalated", "p:PreStart"], events.Order(StringComparer.Ordinal));
        Assert.True(events.IndexOf("p:PreRestart:escalated") < events.IndexOf("p:PostRestart"));
    }

    private sealed class FailingStart : Actor
    {
        protected override void PreStart() => throw new InvalidOperationException("cannot start");
    }
}
