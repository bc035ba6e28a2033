using Coordinators.Actors.Kernel;
using Xunit.Abstractions;

namespace Coordinators.Tests.Kernel;

public sealed class ActorBasicsTests(ITestOutputHelper output) : TestKit(output)
{
    [Fact]
    public async Task Tell_ToEcho_RepliesToSender()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>(), "echo");
        echo.Tell("hello", TestActor.Ref);
        Assert.Equal("hello", await TestActor.ExpectMsgAsync<string>());
        Assert.Same(echo, TestActor.LastSender);
        Assert.Equal("/user/echo", echo.Path);
    }

    [Fact]
    public async Task Receive_WithPredicate_FirstMatchingHandlerWins()
    {
        var probe = TestActor.Ref;
        var actor = Sys.ActorOf(Props.Create(() => new InlineActor(a =>
        {
            a.On<int>(n => n < 0, n => probe.Tell("negative " + n));
            a.On<int>(n => probe.Tell("int " + n));
            a.OnAny(m => probe.Tell("any " + m));
        })));
        actor.Tell(-1);
        actor.Tell(2);
        actor.Tell("x");
        Assert.Equal("negative -1", await TestActor.ExpectMsgAsync<string>());
        Assert.Equal("int 2", await TestActor.ExpectMsgAsync<string>());
        Assert.Equal("any x", await TestActor.ExpectMsgAsync<string>());
    }

    [Fact]
    public async Task Unhandled_Message_IsPublishedOnEventStream()
    {
        using var subscription = Sys.EventStream.Subscribe<UnhandledMessage>(TestActor.Ref);
        var actor = Sys.ActorOf(Props.Create<CounterActor>());
        actor.Tell("not an int");
        var unhandled = await TestActor.ExpectMsgAsync<UnhandledMessage>();
        Assert.Equal("not an int", unhandled.Message);
        Assert.Same(actor, unhandled.Recipient);
    }

    [Fact]
    public async Task Ordering_ManyConcurrentSenders_PreservesPerSenderOrder()
    {
        const int senders = 8;
        const int perSender = 5_000;
        var probe = TestActor.Ref;
        var actor = Sys.ActorOf(Props.Create(() => new InlineActor(a =>
        {
            var next = new int[senders];
            var violations = 0;
            var total = 0;
            a.On<(int Sender, int Seq)>(m =>
            {
                if (next[m.Sender] != m.Seq)
                {
                    violations++;
                }
                next[m.Sender] = m.Seq + 1;
                if (++total == senders * perSender)
                {
                    probe.Tell(violations);
                }
            });
        })));
        using var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, senders).Select(s => Task.Run(() =>
        {
            start.Wait();
            for (var i = 0; i < perSender; i++)
            {
                actor.Tell((s, i));
            }
        })).ToArray();
        start.Set();
        await Task.WhenAll(tasks);
        Assert.Equal(0, await TestActor.ExpectMsgAsync<int>(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Handlers_RunOneAtATime_NeverConcurrently()
    {
        var probe = TestActor.Ref;
        var actor = Sys.ActorOf(Props.Create(() => new InlineActor(a =>
        {
            var inside = 0;
            var overlaps = 0;
            var seen = 0;
            a.On<int>(_ =>
            {
                if (Interlocked.Increment(ref inside) != 1)
                {
                    overlaps++;
                }
                Thread.SpinWait(50);
                Interlocked.Decrement(ref inside);
                if (++seen == 4_000)
                {
                    probe.Tell(overlaps);
                }
            });
        })));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                actor.Tell(i);
            }
        })));
        Assert.Equal(0, await TestActor.ExpectMsgAsync<int>(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task IdleActors_TenThousand_CostNoThreads()
    {
        var threadsBefore = ThreadPool.ThreadCount;
        var actors = Enumerable.Range(0, 10_000).Select(_ => Sys.ActorOf(Props.Create<CounterActor>())).ToList();
        actors[^1].Tell(new Get(), TestActor.Ref);
        Assert.Equal(0, await TestActor.ExpectMsgAsync<int>());
        // One thread per actor would add 10,000. The pool is shared with the integration tests running beside this
        // one, whose blocking waits make it inject threads of its own, so the bound is a tenth of that, not a tight one.
        Assert.True(ThreadPool.ThreadCount < threadsBefore + 1_000, $"threads grew from {threadsBefore} to {ThreadPool.ThreadCount}");
    }

    [Fact]
    public async Task HandlerException_DoesNotKillProcess_ActorGoesOn()
    {
        var actor = Sys.ActorOf(Props.Create<CounterActor>());
        actor.Tell(5);
        actor.Tell(new Boom("bad"));
        actor.Tell(1);
        actor.Tell(new Get(), TestActor.Ref);
        // Default strategy restarts: state is cleared and the message after the failure is kept.
        Assert.Equal(1, await TestActor.ExpectMsgAsync<int>());
    }

    [Fact]
    public void Actor_ConstructedWithNew_Throws()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new EchoActor());
        Assert.Equal("EchoActor must be created by ActorOf from Props, not with new", ex.Message);
    }

    [Fact]
    public void ActorOf_DuplicateOrInvalidName_Throws()
    {
        Sys.ActorOf(Props.Create<EchoActor>(), "a");
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create<EchoActor>(), "a"));
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create<EchoActor>(), "a/b"));
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create<EchoActor>(), "$x"));
    }

    [Fact]
    public async Task Sender_WhenToldWithoutSender_IsDeadLetters()
    {
        using var subscription = Sys.EventStream.Subscribe<DeadLetter>(TestActor.Ref);
        var echo = Sys.ActorOf(Props.Create<EchoActor>(), "echo");
        echo.Tell("reply to nobody");
        var letter = await TestActor.ExpectMsgAsync<DeadLetter>();
        Assert.Equal("reply to nobody", letter.Message);
        Assert.Same(echo, letter.Sender);
        Assert.Same(Sys.DeadLetters, letter.Recipient);
    }
}
