using Coordinators.Actors.Kernel;
using Coordinators.Actors.Kernel.Testing;
using Xunit.Abstractions;

namespace Coordinators.Tests.Kernel;

public sealed class TestProbeTests(ITestOutputHelper output) : TestKit(output)
{
    [Fact]
    public async Task ExpectMsg_WrongType_FailsNamingBoth()
    {
        TestActor.Ref.Tell("text");
        var ex = await Assert.ThrowsAsync<TestKitAssertionException>(() => TestActor.ExpectMsgAsync<int>());
        Assert.Equal("expected a Int32 but received String (text)", ex.Message);
    }

    [Fact]
    public async Task ExpectMsg_Timeout_Fails()
    {
        var ex = await Assert.ThrowsAsync<TestKitAssertionException>(() => TestActor.ExpectMsgAsync<int>(TimeSpan.FromMilliseconds(30)));
        Assert.Equal("timeout (30 ms) while waiting for a message at /probe/testActor", ex.Message);
    }

    [Fact]
    public async Task ExpectNoMsg_MessageArrives_Fails()
    {
        TestActor.Ref.Tell(1);
        await Assert.ThrowsAsync<TestKitAssertionException>(() => TestActor.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public async Task FishForMessage_SkipsUntilMatch()
    {
        foreach (var i in new[] { 1, 2, 3, 4 })
        {
            TestActor.Ref.Tell(i);
        }
        Assert.Equal(3, await TestActor.FishForMessageAsync<int>(n => n > 2));
        await TestActor.ExpectMsgAsync(4);
    }

    [Fact]
    public async Task ReplyAndForward_UseLastSender()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        var client = CreateTestProbe("client");
        var middle = CreateTestProbe("middle");
        client.Send(middle.Ref, "question");
        await middle.ExpectMsgAsync("question");
        middle.Reply("answer");
        await client.ExpectMsgAsync("answer");
        Assert.Same(middle.Ref, client.LastSender);
        middle.Forward(echo);
        await client.ExpectMsgAsync("question");
        Assert.Same(echo, client.LastSender);
    }

    [Fact]
    public async Task AwaitAssert_RetriesUntilConditionHolds()
    {
        var counter = Sys.ActorOf(Props.Create<CounterActor>());
        for (var i = 0; i < 100; i++)
        {
            counter.Tell(1);
        }
        await AwaitAssertAsync(async () => Assert.Equal(100, await counter.Ask<int>(new Get(), TimeSpan.FromSeconds(5))));
    }
}
