using Coordinators.Actors.Kernel;
using Xunit.Abstractions;

namespace Coordinators.Tests.Kernel;

public sealed class DeathWatchTests(ITestOutputHelper output) : TestKit(output)
{
    private IActorRef Watcher(IActorRef probe) => Sys.ActorOf(Props.Create(() => new InlineActor(a =>
    {
        a.On<(string Op, IActorRef Target)>(m =>
        {
            if (m.Op == "watch")
            {
                a.Ctx.Watch(m.Target);
            }
            else
            {
                a.Ctx.Unwatch(m.Target);
            }
            probe.Tell(m.Op + "ed");
        });
        a.On<Terminated>(t => probe.Tell(t));
    })));

    [Fact]
    public async Task Watch_TargetStops_WatcherGetsTerminated()
    {
        var target = Sys.ActorOf(Props.Create<EchoActor>(), "target");
        var watcher = Watcher(TestActor.Ref);
        watcher.Tell(("watch", target));
        await TestActor.ExpectMsgAsync("watched");
        target.Tell(PoisonPill.Instance);
        Assert.Equal(new Terminated(target), await TestActor.ExpectMsgAsync<Terminated>());
    }

    [Fact]
    public async Task Watch_AlreadyDeadActor_GetsTerminatedAtOnce()
    {
        var target = Sys.ActorOf(Props.Create<EchoActor>(), "target");
        TestActor.Watch(target);
        Sys.Stop(target);
        await TestActor.ExpectTerminatedAsync(target);
        var watcher = Watcher(TestActor.Ref);
        watcher.Tell(("watch", target));
        await TestActor.ExpectMsgAsync("watched");
        Assert.Equal(new Terminated(target), await TestActor.ExpectMsgAsync<Terminated>());
    }

    [Fact]
    public async Task Unwatch_BeforeStop_NoTerminatedDelivered()
    {
        var target = Sys.ActorOf(Props.Create<EchoActor>(), "target");
        var watcher = Watcher(TestActor.Ref);
        watcher.Tell(("watch", target));
        watcher.Tell(("unwatch", target));
        await TestActor.ExpectMsgAsync("watched");
        await TestActor.ExpectMsgAsync("unwatched");
        var observer = CreateTestProbe();
        observer.Watch(target);
        Sys.Stop(target);
        await observer.ExpectTerminatedAsync(target);
        await TestActor.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Watch_Probe_StoppedProbeNotifiesWatcher()
    {
        var watched = CreateTestProbe("watched");
        var watcher = Watcher(TestActor.Ref);
        watcher.Tell(("watch", watched.Ref));
        await TestActor.ExpectMsgAsync("watched");
        watched.Stop();
        Assert.Equal(new Terminated(watched.Ref), await TestActor.ExpectMsgAsync<Terminated>());
    }
}
