using Coordinators.Actors.Kernel;
using Xunit.Abstractions;

namespace Coordinators.Tests.Kernel;

public sealed class LifecycleTests(ITestOutputHelper output) : TestKit(output)
{
    [Fact]
    public async Task Stop_ChildThenParent_PostStopRunsChildFirst()
    {
        var probe = TestActor.Ref;
        var parent = Sys.ActorOf(Props.Create(() => new LifecycleActor(probe, "parent")), "parent");
        Assert.Equal("parent:PreStart", await TestActor.ExpectMsgAsync<string>());
        var asker = CreateTestProbe();
        asker.Send(parent, Props.Create(() => new LifecycleActor(probe, "child")));
        var child = await asker.ExpectMsgAsync<IActorRef>();
        Assert.Equal("/user/parent/child", child.Path);
        Assert.Equal("child:PreStart", await TestActor.ExpectMsgAsync<string>());
        Sys.Stop(parent);
        Assert.Equal("child:PostStop", await TestActor.ExpectMsgAsync<string>());
        Assert.Equal("parent:PostStop", await TestActor.ExpectMsgAsync<string>());
    }

    [Fact]
    public async Task Context_ChildrenAndChildByName_ReflectLivingChildren()
    {
        var probe = TestActor.Ref;
        var parent = Sys.ActorOf(Props.Create(() => new InlineActor(a =>
        {
            a.On<string>(s => s == "spawn", _ => a.Ctx.ActorOf(Props.Create<EchoActor>(), "kid"));
            a.On<string>(s => s == "query", _ => probe.Tell((a.Ctx.Children.Count, a.Ctx.Child("kid")?.Path, a.Ctx.Child("none"))));
            a.On<string>(s => s == "stop", _ =>
            {
                var kid = a.Ctx.Child("kid")!;
                a.Ctx.Watch(kid);
                a.Ctx.Stop(kid);
            });
            a.On<Terminated>(t => probe.Tell("terminated " + t.ActorRef.Name));
        })));
        parent.Tell("spawn");
        parent.Tell("query");
        Assert.Equal((1, "/user/$1/kid", (IActorRef?)null), await TestActor.ExpectMsgAsync<(int, string?, IActorRef?)>());
        parent.Tell("stop");
        Assert.Equal("terminated kid", await TestActor.ExpectMsgAsync<string>());
        parent.Tell("query");
        Assert.Equal((0, (string?)null, (IActorRef?)null), await TestActor.ExpectMsgAsync<(int, string?, IActorRef?)>());
    }

    [Fact]
    public async Task Terminate_StopsEveryActorTopDown_AndCompletes()
    {
        var probe = TestActor.Ref;
        var parent = Sys.ActorOf(Props.Create(() => new LifecycleActor(probe, "a")), "a");
        Sys.ActorOf(Props.Create(() => new LifecycleActor(probe, "b")), "b");
        CreateTestProbe().Send(parent, Props.Create(() => new LifecycleActor(probe, "a/child")));
        var started = await TestActor.ReceiveNAsync(3);
        Assert.Equal(["a/child:PreStart", "a:PreStart", "b:PreStart"], started.Cast<string>().Order(StringComparer.Ordinal));
        await Sys.Terminate().WaitAsync(TimeSpan.FromSeconds(5));
        var stopped = (await TestActor.ReceiveNAsync(3)).Cast<string>().ToList();
        Assert.Equal(["a/child:PostStop", "a:PostStop", "b:PostStop"], stopped.Order(StringComparer.Ordinal));
        Assert.True(stopped.IndexOf("a/child:PostStop") < stopped.IndexOf("a:PostStop"));
        Assert.True(Sys.WhenTerminated.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task PoisonPill_ProcessesEarlierMessages_LaterOnesBecomeDeadLetters()
    {
        using var subscription = Sys.EventStream.Subscribe<DeadLetter>(m => TestActor.Ref.Tell(m));
        var actor = Sys.ActorOf(Props.Create<EchoActor>());
        TestActor.Watch(actor);
        actor.Tell(1, TestActor.Ref);
        actor.Tell(PoisonPill.Instance);
        actor.Tell(2, TestActor.Ref);
        Assert.Equal(1, await TestActor.ExpectMsgAsync<int>());
        var rest = await TestActor.ReceiveNAsync(2);
        Assert.Contains(rest, m => m is Terminated t && t.ActorRef.Equals(actor));
        Assert.Contains(rest, m => m is DeadLetter { Message: 2 } d && d.Recipient.Equals(actor));
    }

    [Fact]
    public async Task DeadLetters_MessageToStoppedActor_IsRecorded()
    {
        var letters = new List<DeadLetter>();
        using var subscription = Sys.EventStream.Subscribe<DeadLetter>(d =>
        {
            lock (letters)
            {
                letters.Add(d);
            }
        });
        var actor = Sys.ActorOf(Props.Create<EchoActor>(), "gone");
        TestActor.Watch(actor);
        Sys.Stop(actor);
        await TestActor.ExpectTerminatedAsync(actor);
        actor.Tell("late", TestActor.Ref);
        lock (letters)
        {
            var letter = Assert.Single(letters);
            Assert.Equal(new DeadLetter("late", TestActor.Ref, actor), letter);
        }
    }

    [Fact]
    public async Task ActorOf_AfterTerminate_Throws()
    {
        await Sys.Terminate();
        var ex = Assert.Throws<InvalidOperationException>(() => Sys.ActorOf(Props.Create<EchoActor>()));
        Assert.Equal("actor system test is terminating; no new actors can be created", ex.Message);
    }
}
