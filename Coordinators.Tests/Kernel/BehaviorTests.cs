using Coordinators.Actors.Kernel;
using Xunit.Abstractions;

namespace Coordinators.Tests.Kernel;

public sealed class BehaviorTests(ITestOutputHelper output) : TestKit(output)
{
    [Fact]
    public async Task Become_SwitchesHandlers_FromNextMessage()
    {
        var probe = TestActor.Ref;
        var actor = Sys.ActorOf(Props.Create(() => new InlineActor(a =>
        {
            void Closed() => a.On<string>(s => probe.Tell("closed:" + s));
            a.On<string>(s =>
            {
                probe.Tell("open:" + s);
                a.DoBecome(Closed);
            });
        })));
        actor.Tell("1");
        actor.Tell("2");
        actor.Tell("3");
        Assert.Equal(["open:1", "closed:2", "closed:3"], (await TestActor.ReceiveNAsync(3)).Cast<string>());
    }

    [Fact]
    public async Task BecomeStacked_ThenUnbecome_ReturnsToPrevious()
    {
        var probe = TestActor.Ref;
        var actor = Sys.ActorOf(Props.Create(() => new InlineActor(a =>
        {
            a.On<string>(s => s == "push", _ => a.DoBecomeStacked(() =>
            {
                a.On<string>(s => s == "pop", _ => a.DoUnbecome());
                a.On<string>(s => probe.Tell("top:" + s));
            }));
            a.On<string>(s => s == "pop", _ => a.DoUnbecome());
            a.On<string>(s => probe.Tell("base:" + s));
        })));
        foreach (var m in new[] { "a", "push", "b", "pop", "c", "pop", "d" })
        {
            actor.Tell(m);
        }
        Assert.Equal(["base:a", "top:b", "base:c", "base:d"], (await TestActor.ReceiveNAsync(4)).Cast<string>());
    }

    [Fact]
    public async Task Stash_UnstashAll_PreservesOriginalOrderBeforeNewMessages()
    {
        var probe = TestActor.Ref;
        var actor = Sys.ActorOf(Props.Create(() => new InlineActor(a =>
        {
            a.On<string>(s => s == "open", _ =>
            {
                a.DoBecome(() => a.On<int>(n => probe.Tell(n)));
                a.DoUnstashAll();
            });
            a.On<int>(_ => a.DoStash());
        })));
        for (var i = 1; i <= 5; i++)
        {
            actor.Tell(i);
        }
        actor.Tell("open");
        actor.Tell(6);
        Assert.Equal([1, 2, 3, 4, 5, 6], (await TestActor.ReceiveNAsync(6)).Cast<int>());
    }

    [Fact]
    public async Task Stash_SurvivesRestart_MessagesGoToFreshInstance()
    {
        var probe = TestActor.Ref;
        var actor = Sys.ActorOf(Props.Create(() => new InlineActor(a =>
        {
            a.On<Boom>(b => throw new InvalidOperationException(b.Reason));
            a.On<string>(s => s == "open", _ =>
            {
                a.DoBecome(() => a.On<int>(n => probe.Tell(n)));
                a.DoUnstashAll();
            });
            a.On<int>(_ => a.DoStash());
        })));
        actor.Tell(1);
        actor.Tell(2);
        actor.Tell(new Boom("restart"));
        actor.Tell("open");
        actor.Tell(3);
        // The restart put 1 and 2 back in front of "open"; the fresh instance stashes them again and unstashes on open.
        Assert.Equal([1, 2, 3], (await TestActor.ReceiveNAsync(3)).Cast<int>());
    }

    [Fact]
    public async Task Receive_OutsideConstructorOrBecome_Throws()
    {
        var done = new TaskCompletionSource<Exception?>();
        var actor = Sys.ActorOf(Props.Create(() => new InlineActor(a =>
        {
            a.On<string>(_ =>
            {
                try
                {
                    a.On<int>(_ => { });
                    done.SetResult(null);
                }
                catch (InvalidOperationException ex)
                {
                    done.SetResult(ex);
                }
            });
        })));
        actor.Tell("go");
        Assert.IsType<InvalidOperationException>(await done.Task.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
