using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Coordinators.Actors.Components;
using Coordinators.Actors.Config;
using Coordinators.Actors.Connections;
using Coordinators.Actors.Connections.Internal;
using Coordinators.Actors.Model;
using Coordinators.Actors.Runtime;
using Coordinators.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using ProtoStateCode = Coordinators.Actors.Components.Proto.StateCode;

namespace Coordinators.Tests.Connections;

/// <summary>
/// ClientActor on Akka's TestScheduler (virtual time) against a fake client whose every GetComponentStates call the
/// test answers. Timers fire only on <see cref="TestScheduler.Advance(TimeSpan)"/>; nothing waits on a real timer.
/// Real time is used only as a backstop for waits that should complete at once.
/// </summary>
public sealed class ClientActorTests(ITestOutputHelper output) : TestKit(Config, output)
{
    private const string Key = "/coordinators/session/querynode-7";
    private const string Role = "querynode";
    private static readonly string Config =
        "akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"\n" + ActorSystemHost.BaseHocon;
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);
    private static readonly SessionInfo Session = new() { ServerId = 7, Role = Role, Address = "127.0.0.1:7007" };

    private static readonly RetryPolicyOptions Connect = new()
    {
        MaxAttempts = 5,
        AttemptTimeout = TimeSpan.FromSeconds(30),
        Backoff = TimeSpan.FromSeconds(1),
        MaxBackoff = TimeSpan.FromSeconds(10),
    };

    private static readonly HealthCheckOptions Health = new()
    {
        Interval = TimeSpan.FromSeconds(1),
        Timeout = TimeSpan.FromMilliseconds(500),
        Failures = 3,
    };

    private readonly FakeComponentClientFactory _factory = new();
    private readonly ClientRegistry _registry = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    // The actor's own log lines go to the test output, so a failing test shows what it did.
    private readonly TestOutputLoggerProvider _logs = new(output);

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    private FakeComponentClient Client => _factory.Client;

    private ClientHandle Handle => _registry.ByKey(Key) ?? throw new InvalidOperationException("no handle published");

    [Fact]
    public async Task Connect_UnavailableTwiceThenAnswers_RetriesOnlyAfterEachBackoffAndGoesOnline()
    {
        var (actor, _) = await StartAsync(Connect, HealthCheckOptions.Off);

        var first = await Client.NextCallAsync(Backstop);
        Assert.Equal(ClientState.Connecting, Handle.State);
        Assert.Equal(_time.GetUtcNow().UtcDateTime + Connect.AttemptTimeout, first.Options.Deadline);
        Assert.Equal(_factory.Lifetime, first.Options.CancellationToken);
        await first.Fail(Unavailable());

        // Backoff 1 s after the first failure, 2 s after the second.
        var second = await ExpectCallAfterAsync(actor, TimeSpan.FromSeconds(1));
        Assert.Equal(ClientState.Connecting, Handle.State);
        await second.Fail(Unavailable());
        var third = await ExpectCallAfterAsync(actor, TimeSpan.FromSeconds(2));
        await third.Answer(Session.ServerId);

        var online = await WaitForStateAsync(ClientState.Online);
        Assert.Equal(Session.ServerId, online.ServerId);
        Assert.Equal(StateCode.Healthy, online.ComponentState);
        Assert.Null(online.LastError);
        Assert.NotNull(online.ConnectRoundTrip);
        Assert.Equal(3, Client.CallCount);
    }

    [Fact]
    public async Task Connect_AttemptsExhausted_GoesOfflineWithTheLastError()
    {
        var policy = Connect with { MaxAttempts = 3 };
        var (actor, _) = await StartAsync(policy, HealthCheckOptions.Off);

        await (await Client.NextCallAsync(Backstop)).Fail(Unavailable());
        await (await ExpectCallAfterAsync(actor, TimeSpan.FromSeconds(1))).Fail(Unavailable());
        await (await ExpectCallAfterAsync(actor, TimeSpan.FromSeconds(2))).Fail(Unavailable("connection refused"));

        var offline = await WaitForStateAsync(ClientState.Offline);
        Assert.Equal("connect failed 3 times, last: Unavailable: connection refused", offline.LastError);
        await AssertNoCallAfterAsync(actor, policy.MaxBackoff * 2);
        Assert.Equal(3, Client.CallCount);
    }

    [Fact]
    public async Task Connect_AnsweredAsAnotherServer_GoesOfflineNodeNotMatchWithoutRetry()
    {
        var (actor, _) = await StartAsync(Connect, HealthCheckOptions.Off);

        await (await Client.NextCallAsync(Backstop)).Answer(9);

        var offline = await WaitForStateAsync(ClientState.Offline);
        Assert.Equal("node not match: 127.0.0.1:7007 answers as server 9, not 7", offline.LastError);
        await AssertNoCallAfterAsync(actor, Connect.MaxBackoff * 2);
        Assert.Equal(1, Client.CallCount);
    }

    [Fact]
    public async Task Connect_NodeNotMatchError_GoesOfflineWithItsDetailWithoutRetry()
    {
        var (actor, _) = await StartAsync(Connect, HealthCheckOptions.Off);
        var error = ComponentMethods.NodeNotMatchError("this is server 9, not 7");

        await (await Client.NextCallAsync(Backstop)).Fail(error);

        var offline = await WaitForStateAsync(ClientState.Offline);
        Assert.Equal("node not match: this is server 9, not 7", offline.LastError);
        await AssertNoCallAfterAsync(actor, Connect.MaxBackoff * 2);
        Assert.Equal(1, Client.CallCount);
    }

    [Fact]
    public async Task Offline_SessionReaddedAfterAttemptsExhausted_ConnectsAgainWithFreshAttempts()
    {
        var policy = Connect with { MaxAttempts = 2 };
        var (actor, _) = await StartAsync(policy, HealthCheckOptions.Off);
        await (await Client.NextCallAsync(Backstop)).Fail(Unavailable());
        await (await ExpectCallAfterAsync(actor, TimeSpan.FromSeconds(1))).Fail(Unavailable());
        await WaitForStateAsync(ClientState.Offline);

        actor.Tell(new SessionReadded(Session with { LeaseId = 42 }));

        // A new round: Connecting at once, and its attempts count from 1 again (backoff 1 s, not 2 s).
        await (await Client.NextCallAsync(Backstop)).Fail(Unavailable());
        Assert.Equal(ClientState.Connecting, Handle.State);
        Assert.Null(Handle.LastError);
        await (await ExpectCallAfterAsync(actor, TimeSpan.FromSeconds(1))).Answer(Session.ServerId);

        var online = await WaitForStateAsync(ClientState.Online);
        Assert.Equal(42, online.Session.LeaseId);
        Assert.Equal(4, Client.CallCount);
    }

    [Fact]
    public async Task Connecting_SessionReadded_OnlineHandleCarriesTheNewSession()
    {
        var (actor, _) = await StartAsync(Connect, HealthCheckOptions.Off);
        var first = await Client.NextCallAsync(Backstop);

        // The same process republishes its key (e.g. a coordinator's active key with a new term) mid-connect.
        actor.Tell(new SessionReadded(Session with { Term = 5, LeaseId = 42 }));
        await SettleAsync(actor);
        Assert.Equal(ClientState.Connecting, Handle.State);
        Assert.Equal(5, Handle.Term);
        await first.Answer(Session.ServerId);

        var online = await WaitForStateAsync(ClientState.Online);
        Assert.Equal(5, online.Term);
        Assert.Equal(42, online.Session.LeaseId);
        Assert.Equal(1, Client.CallCount);
    }

    [Fact]
    public async Task Online_HealthChecksFailInARow_GoesOfflineThenOnlineWhenItAnswersAgain()
    {
        var events = _registry.Subscribe(Role, out var unsubscribe);
        try
        {
            var (actor, _) = await StartOnlineAsync(Health);
            Assert.Equal(new ClientEvent(ClientEventKind.Online, Role, 7, Session.Address, "connected"), await ReadAsync(events));

            for (var i = 1; i <= Health.Failures; i++)
            {
                var check = await ExpectCallAfterAsync(actor, Health.Interval);
                Assert.Equal(_time.GetUtcNow().UtcDateTime + Health.Timeout, check.Options.Deadline);
                await check.Fail(Unavailable("hung"));
                await SettleAsync(actor);
                if (i < Health.Failures)
                {
                    Assert.Equal(ClientState.Online, Handle.State);
                }
            }

            var offline = await WaitForStateAsync(ClientState.Offline);
            Assert.Equal("health check failed 3 times, last: Unavailable: hung", offline.LastError);
            Assert.Equal(ClientEventKind.Offline, (await ReadAsync(events)).Kind);

            // Checks go on while Offline; a failed one changes nothing, an answer as the same server brings it back.
            await (await ExpectCallAfterAsync(actor, Health.Interval)).Fail(Unavailable("hung"));
            await SettleAsync(actor);
            Assert.Equal(ClientState.Offline, Handle.State);
            await (await ExpectCallAfterAsync(actor, Health.Interval)).Answer(Session.ServerId, ProtoStateCode.Abnormal);

            var online = await WaitForStateAsync(ClientState.Online);
            Assert.Null(online.LastError);
            Assert.Equal(StateCode.Abnormal, online.ComponentState);
            Assert.Equal(new ClientEvent(ClientEventKind.Online, Role, 7, Session.Address, "answers again"), await ReadAsync(events));

            // Online again with a fresh count: the checks keep their interval.
            await ExpectCallAfterAsync(actor, Health.Interval);
        }
        finally
        {
            unsubscribe();
        }
    }

    [Fact]
    public async Task Online_HealthCheckAnswersBetweenFailures_StaysOnline()
    {
        var (actor, _) = await StartOnlineAsync(Health);

        // Failures - 1, one answer, Failures - 1 again: never Failures in a row.
        for (var round = 0; round < 2; round++)
        {
            for (var i = 1; i < Health.Failures; i++)
            {
                await (await ExpectCallAfterAsync(actor, Health.Interval)).Fail(Unavailable("slow"));
                await SettleAsync(actor);
                Assert.Equal(ClientState.Online, Handle.State);
            }
            await (await ExpectCallAfterAsync(actor, Health.Interval)).Answer(Session.ServerId);
            await SettleAsync(actor);
            Assert.Equal(ClientState.Online, Handle.State);
        }
        Assert.Equal(1 + (2 * Health.Failures), Client.CallCount);
    }

    [Fact]
    public async Task SessionGone_WhileOnline_StopsCancelsLifetimeAndRemovesHandle()
    {
        var events = _registry.Subscribe(Role, out var unsubscribe);
        try
        {
            var (actor, parent) = await StartOnlineAsync(HealthCheckOptions.Off);
            Assert.Equal(ClientEventKind.Online, (await ReadAsync(events)).Kind);
            await parent.WatchAsync(actor);
            Assert.False(_factory.Lifetime.IsCancellationRequested);

            actor.Tell(new SessionGone("server 7 left: session deleted"));

            await parent.ExpectTerminatedAsync(actor, Backstop);
            Assert.True(_factory.Lifetime.IsCancellationRequested);
            Assert.Null(_registry.ByKey(Key));
            Assert.True(Client.Disposed);
            Assert.Equal(new ClientEvent(ClientEventKind.Offline, Role, 7, Session.Address, "server 7 left: session deleted"), await ReadAsync(events));
        }
        finally
        {
            unsubscribe();
        }
    }

    [Fact]
    public async Task SessionGone_WhileConnecting_CancelsTheCallInFlightAndStops()
    {
        var (actor, parent) = await StartAsync(Connect, HealthCheckOptions.Off);
        await parent.WatchAsync(actor);
        var first = await Client.NextCallAsync(Backstop);

        actor.Tell(new SessionGone("server 7 left: session deleted"));

        await parent.ExpectTerminatedAsync(actor, Backstop);
        Assert.True(first.Options.CancellationToken.IsCancellationRequested);
        Assert.True(_factory.Lifetime.IsCancellationRequested);
        Assert.Null(_registry.ByKey(Key));
        Assert.True(Client.Disposed);
        Assert.Equal(1, _factory.Created);
    }

    private async Task<(IActorRef Actor, TestProbe Parent)> StartAsync(RetryPolicyOptions policy, HealthCheckOptions health)
    {
        // Props.Create needs an expression: pass everything through locals.
        var factory = _factory;
        var registry = _registry;
        var time = _time;
        var session = Session;
        var log = _logs.CreateLogger(nameof(ClientActor));
        var props = Props.Create(() => new ClientActor(Key, Role, session, factory, policy, health, registry, time, log));
        var parent = CreateTestProbe();
        var actor = parent.ChildActorOf(props);
        await parent.ExpectMsgAsync<ClientStarted>(Backstop);
        return (actor, parent);
    }

    private async Task<(IActorRef Actor, TestProbe Parent)> StartOnlineAsync(HealthCheckOptions health)
    {
        var started = await StartAsync(Connect, health);
        await (await Client.NextCallAsync(Backstop)).Answer(Session.ServerId);
        await WaitForStateAsync(ClientState.Online);
        // The health timer is started after the Online handle is published, in the same message.
        await SettleAsync(started.Actor);
        return started;
    }

    /// <summary>
    /// Advances virtual time to just before <paramref name="wait"/> and checks that no call was made, then to
    /// <paramref name="wait"/> and returns the call made then. The actor must have handled the message that started
    /// the timer (answers are handed over inside Fail/Answer; see <see cref="SettleAsync"/>).
    /// </summary>
    private async Task<PendingCall> ExpectCallAfterAsync(IActorRef actor, TimeSpan wait)
    {
        await SettleAsync(actor);
        await AssertNoCallAfterAsync(actor, wait - Tick);
        Scheduler.Advance(Tick);
        // On a loaded machine the previous answer's PipeTo can reach the mailbox after that tick, which the actor then
        // skips as "a check is in flight"; a periodic timer's next tick comes one interval later, on the same phase.
        for (var late = 0; late < 3; late++)
        {
            try
            {
                return await Client.NextCallAsync(TimeSpan.FromSeconds(1));
            }
            catch (TimeoutException)
            {
                await SettleAsync(actor);
                Scheduler.Advance(wait);
            }
        }
        return await Client.NextCallAsync(Backstop);
    }

    private async Task AssertNoCallAfterAsync(IActorRef actor, TimeSpan wait)
    {
        await SettleAsync(actor);
        Scheduler.Advance(wait);
        await SettleAsync(actor);
        Assert.False(Client.TryTakeCall(out _), $"a GetComponentStates call within {wait} of virtual time");
    }

    /// <summary>
    /// Returns once the actor has handled every message sent to it before: the TestScheduler tells timer messages
    /// during Advance and PipeTo tells results during Answer/Fail, so an Identify round trip comes after them.
    /// </summary>
    private static async Task SettleAsync(IActorRef actor) => await actor.Ask<ActorIdentity>(new Identify(null), Backstop);

    /// <summary>The handle once it is in <paramref name="state"/>, re-read at each change of the role (no polling).</summary>
    private async Task<ClientHandle> WaitForStateAsync(ClientState state)
    {
        using var cts = new CancellationTokenSource(Backstop);
        while (true)
        {
            var next = _registry.NextChange(Role);
            if (_registry.ByKey(Key) is { } h && h.State == state)
            {
                return h;
            }
            try
            {
                await next.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"not {state} within {Backstop}: {_registry.ByKey(Key)}");
            }
        }
    }

    private static async Task<ClientEvent> ReadAsync(System.Threading.Channels.ChannelReader<ClientEvent> events)
    {
        using var cts = new CancellationTokenSource(Backstop);
        return await events.ReadAsync(cts.Token);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _logs.Dispose();
        }
        base.Dispose(disposing);
    }

    private static RpcException Unavailable(string detail = "unreachable") => new(new Grpc.Core.Status(StatusCode.Unavailable, detail));
}
