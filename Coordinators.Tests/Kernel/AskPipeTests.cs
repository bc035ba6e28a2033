using Coordinators.Actors.Kernel;
using Xunit.Abstractions;

namespace Coordinators.Tests.Kernel;

public sealed class AskPipeTests(ITestOutputHelper output) : TestKit(output)
{
    private sealed record Fetch(Task<int> Work);

    private sealed record Fetched(int Value);

    [Fact]
    public async Task Ask_Reply_ReturnsTypedResult()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        Assert.Equal(42, await echo.Ask<int>(42, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Ask_NoReply_TimesOutNamingTargetAndType()
    {
        var silent = Sys.ActorOf(Props.Create(() => new InlineActor(a => a.OnAny(_ => { }))), "silent");
        var ex = await Assert.ThrowsAsync<AskTimeoutException>(() => silent.Ask<int>(new Get(), TimeSpan.FromMilliseconds(50)));
        Assert.Equal("Ask timed out on /user/silent after 50 ms waiting for a reply to Get", ex.Message);
    }

    [Fact]
    public async Task Ask_FailureReply_ThrowsCause()
    {
        var actor = Sys.ActorOf(Props.Create(() => new InlineActor(a => a.OnAny(_ => a.CurrentSender.Tell(new Failure(new ArgumentException("nope")))))));
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => actor.Ask<int>("q", TimeSpan.FromSeconds(5)));
        Assert.Equal("nope", ex.Message);
    }

    [Fact]
    public async Task Ask_Cancelled_ThrowsOperationCanceled()
    {
        var silent = Sys.ActorOf(Props.Create(() => new InlineActor(a => a.OnAny(_ => { }))));
        using var cts = new CancellationTokenSource();
        var ask = silent.Ask<int>("q", TimeSpan.FromMinutes(1), cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ask);
    }

    [Fact]
    public async Task PipeTo_Result_ArrivesAsMessageWithSender()
    {
        var probe = TestActor.Ref;
        var actor = Sys.ActorOf(Props.Create(() => new InlineActor(a =>
        {
            a.On<Fetch>(f => f.Work.PipeTo(a.Ctx.Self, a.CurrentSender, v => new Fetched(v)));
            a.On<Fetched>(f => a.CurrentSender.Tell(f));
            a.On<Failure>(f => probe.Tell(f.Cause.Message));
        })));
        var work = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        TestActor.Send(actor, new Fetch(work.Task));
        work.SetResult(7);
        Assert.Equal(new Fetched(7), await TestActor.ExpectMsgAsync<Fetched>());
    }

    [Fact]
    public async Task PipeTo_Fault_ArrivesAsFailure()
    {
        var probe = TestActor.Ref;
        var actor = Sys.ActorOf(Props.Create(() => new InlineActor(a =>
        {
            a.On<Fetch>(f => f.Work.PipeTo(a.Ctx.Self));
            a.On<Failure>(f => probe.Tell(f.Cause.Message));
        })));
        actor.Tell(new Fetch(Task.FromException<int>(new IOException("disk gone"))));
        await TestActor.ExpectMsgAsync("disk gone");
    }

    [Fact]
    public async Task PipeTo_CancelledTaskAndThrowingMapper_AreFailures()
    {
        Task.FromCanceled<int>(new CancellationToken(true)).PipeTo(TestActor.Ref);
        Assert.IsType<TaskCanceledException>((await TestActor.ExpectMsgAsync<Failure>()).Cause);
        Task.FromResult(1).PipeTo(TestActor.Ref, success: _ => throw new FormatException("mapper"));
        Assert.Equal("mapper", (await TestActor.ExpectMsgAsync<Failure>()).Cause.Message);
        Task.CompletedTask.PipeTo(TestActor.Ref);
        await TestActor.ExpectMsgAsync(Done.Instance);
    }

    [Fact]
    public async Task ReceiveAsync_MailboxWaitsForTask_SenderValidAcrossAwait()
    {
        var probe = TestActor.Ref;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = Sys.ActorOf(Props.Create(() => new InlineActor(a =>
        {
            a.OnAsync<string>(async s =>
            {
                probe.Tell("start " + s);
                await gate.Task;
                await Task.Yield();
                a.CurrentSender.Tell("end " + s);
            });
        })));
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        first.Send(actor, "a");
        second.Send(actor, "b");
        await TestActor.ExpectMsgAsync("start a");
        await TestActor.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        gate.SetResult();
        await first.ExpectMsgAsync("end a");
        await TestActor.ExpectMsgAsync("start b");
        await second.ExpectMsgAsync("end b");
    }

    [Fact]
    public async Task ReceiveAsync_FaultedTask_GoesToSupervisorAndRestarts()
    {
        var probe = TestActor.Ref;
        var actor = Sys.ActorOf(Props.Create(() => new LifecycleActorAsync(probe)));
        await TestActor.ExpectMsgAsync("PreStart");
        actor.Tell("fail");
        await TestActor.ExpectMsgAsync("PreStart");
        actor.Tell("ok");
        await TestActor.ExpectMsgAsync("ok");
    }

    private sealed class LifecycleActorAsync : Actor
    {
        private readonly IActorRef _probe;

        public LifecycleActorAsync(IActorRef probe)
        {
            _probe = probe;
            ReceiveAsync<string>(s => s == "fail", async _ =>
            {
                await Task.Yield();
                throw new InvalidOperationException("async failure");
            });
            Receive<string>(s => _probe.Tell(s));
        }

        protected override void PreStart() => _probe.Tell("PreStart");
    }
}
