using Akka;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Coordinators.Actors.Components;
using Coordinators.Actors.Config;
using Coordinators.Actors.Election;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;
using Coordinators.Actors.Sessions;
using Coordinators.Tests.Fixtures;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Coordinators.Tests.Election;

/// <summary>
/// The CoordinatorActor's behaviours on virtual time: Akka's TestScheduler drives its timers, a FakeTimeProvider its
/// lease guard, and an in-memory store stands for etcd. Nothing here waits on a wall-clock timer.
/// </summary>
public sealed class CoordinatorActorBehaviourTests : TestKit
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan WarmUpInterval = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly InMemoryElectionStore _store = new();
    private readonly RecordingCoordinatorService _service = new();
    private readonly EtcdLayout _layout = new("c");
    private readonly ComponentHost _host;
    private readonly LeaseGuard _guard;
    private readonly TestOutputLoggerProvider _logs;

    public CoordinatorActorBehaviourTests(ITestOutputHelper output)
        : base(Coordinators.Actors.Runtime.ActorSystemHost.BaseHocon + "\nakka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"", output)
    {
        _logs = new TestOutputLoggerProvider(output);
        var loggers = LoggerFactory.Create(b => b.AddProvider(_logs));
        _host = new ComponentHost(Roles.RootCoord, loggers, _time);
        _guard = new LeaseGuard(_time, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(400));
        _guard.Acknowledged(_time.GetTimestamp());
    }

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    private static SessionInfo Session(long serverId, long leaseId) =>
        new() { ServerId = serverId, Role = Roles.RootCoord, Address = "127.0.0.1:1", LeaseId = leaseId };

    private IActorRef StartCoordinator(SessionInfo session, TimeSpan? resignTimeout = null)
    {
        var etcd = new EtcdClient(new EtcdClientOptions { Endpoints = ["http://127.0.0.1:1"], TimeProvider = _time });
        var settings = new CoordinatorActorSettings
        {
            Etcd = etcd,
            Layout = _layout,
            Host = _host,
            Options = new CoordinatorsOptions
            {
                Election = new ElectionOptions { WarmUpInterval = WarmUpInterval, ResignTimeout = resignTimeout ?? new ElectionOptions().ResignTimeout },
            },
            Guard = _guard,
            Service = _service,
            Store = _store,
        };
        var actor = Sys.ActorOf(CoordinatorActor.Props(settings));
        actor.Tell(new SessionEstablished(session, 0));
        return actor;
    }

    /// <summary>
    /// Waits until the coordinator serves, then lets a whole TTL pass without a keep-alive (a paused process): the
    /// guard's own timer must end leadership; returns once the host is StandBy.
    /// </summary>
    private async Task PrimaryThenGuardRunsOutAsync()
    {
        await StartedTermAsync();
        await AwaitAssertAsync(() => Assert.Equal(StateCode.Healthy, _host.State), Backstop);
        _time.Advance(TimeSpan.FromSeconds(2));
        await AwaitAssertAsync(() =>
        {
            Scheduler.Advance(TimeSpan.FromMilliseconds(500));
            Assert.Equal(StateCode.StandBy, _host.State);
        }, Backstop);
    }

    private async Task<long> StartedTermAsync() => await _service.Starts.Reader.ReadAsync(new CancellationTokenSource(Backstop).Token);

    [Fact]
    public async Task SoleCandidate_SessionEstablished_ServesThenPublishesTheActiveKeyWithItsTerm()
    {
        StartCoordinator(Session(1, 0x1));

        var term = await StartedTermAsync();
        await AwaitAssertAsync(() => Assert.Equal((StateCode.Healthy, term), (_host.State, _host.Snapshot.Term)), Backstop);
        await AwaitAssertAsync(() => Assert.Contains($"\"term\":{term}", _store.Get(_layout.ActiveKey(Roles.RootCoord)) ?? "", StringComparison.Ordinal), Backstop);
    }

    [Fact]
    public async Task Standby_EveryWarmUpTick_WarmsUpAgainUntilThePredecessorGoesThenLeads()
    {
        var ahead = _layout.CandidateKey(Roles.RootCoord, 0xa);
        _store.Put(ahead, "{}");
        StartCoordinator(Session(2, 0xb));
        await AwaitAssertAsync(() => Assert.Equal(StateCode.StandBy, _host.State), Backstop);

        // One virtual interval at a time: each tick starts a warm-up once the previous one has finished.
        for (var n = 1; n <= 4; n++)
        {
            var wanted = n;
            await AwaitAssertAsync(() =>
            {
                Scheduler.Advance(WarmUpInterval);
                Assert.True(_service.WarmUpCount >= wanted, $"{_service.WarmUpCount} warm-ups, wanted {wanted}");
            }, Backstop);
        }
        Assert.True(_service.Starts.Reader.Count == 0, "a standby must not start the service");

        _store.Delete(ahead);
        var term = await StartedTermAsync();
        await AwaitAssertAsync(() => Assert.Equal((StateCode.Healthy, term), (_host.State, _host.Snapshot.Term)), Backstop);
    }

    [Fact]
    public async Task Standby_PredecessorWatchFailsInARow_CampaignsAgainAfterABackoffNotAtRoundTripSpeed()
    {
        var ahead = _layout.CandidateKey(Roles.RootCoord, 0xa1);
        _store.Put(ahead, "{}");
        StartCoordinator(Session(9, 0x19));
        await AwaitAssertAsync(() => Assert.Equal(1, _store.WatchesOf(ahead)), Backstop);
        var refused = new EtcdWatchCanceledException("etcdserver: permission denied");

        // The first failure ranks again at once: the standby is queued and watching again without the clock moving.
        Assert.Equal(1, _store.FailWatches(ahead, refused));
        await AwaitAssertAsync(() => Assert.Equal(1, _store.WatchesOf(ahead)), Backstop);

        // The second in a row waits for its backoff (100-120 ms) on the actor's scheduler; before, it ranked and
        // watched again at once, a loop at etcd's round-trip speed for as long as etcd refused the watch.
        Assert.Equal(1, _store.FailWatches(ahead, refused));
        await AwaitAssertAsync(() => Assert.Contains(_logs.Messages, m => m.Contains("2 in a row; campaigning again in", StringComparison.Ordinal)), Backstop);
        Assert.Equal(0, _store.WatchesOf(ahead));
        Scheduler.Advance(TimeSpan.FromMilliseconds(90));
        Assert.Equal(0, _store.WatchesOf(ahead));
        Scheduler.Advance(TimeSpan.FromMilliseconds(40));
        await AwaitAssertAsync(() => Assert.Equal(1, _store.WatchesOf(ahead)), Backstop);

        // The predecessor's DELETE still makes this standby the primary.
        _store.Delete(ahead);
        var term = await StartedTermAsync();
        await AwaitAssertAsync(() => Assert.Equal((StateCode.Healthy, term), (_host.State, _host.Snapshot.Term)), Backstop);
    }

    [Fact]
    public async Task Standby_TheOnlyCandidateAheadDeleted_LeadsWithoutRankingAgain()
    {
        var ahead = _layout.CandidateKey(Roles.RootCoord, 0xa);
        _store.Put(ahead, "{}");
        StartCoordinator(Session(2, 0xb));
        await AwaitAssertAsync(() => Assert.Equal(StateCode.StandBy, _host.State), Backstop);
        Assert.Equal(1, _store.Campaigns);

        _store.Delete(ahead);
        var term = await StartedTermAsync();
        await AwaitAssertAsync(() => Assert.Equal((StateCode.Healthy, term), (_host.State, _host.Snapshot.Term)), Backstop);
        Assert.Equal(1, _store.Campaigns);
    }

    [Fact]
    public async Task Standby_TheNearestOfTwoAheadDeleted_RanksAgainAndQueuesBehindTheOther()
    {
        var first = _layout.CandidateKey(Roles.RootCoord, 0xa);
        var second = _layout.CandidateKey(Roles.RootCoord, 0xb);
        _store.Put(first, "{}");
        _store.Put(second, "{}");
        StartCoordinator(Session(3, 0xc));
        await AwaitAssertAsync(() => Assert.Equal(StateCode.StandBy, _host.State), Backstop);

        // The predecessor goes but another candidate is still ahead: rank again, and stay a standby behind it.
        _store.Delete(second);
        await AwaitAssertAsync(() => Assert.Equal(2, _store.Campaigns), Backstop);
        Assert.Equal(StateCode.StandBy, _host.State);
        Assert.True(_service.Starts.Reader.Count == 0, "a standby with a candidate ahead must not start the service");

        _store.Delete(first);
        var term = await StartedTermAsync();
        await AwaitAssertAsync(() => Assert.Equal((StateCode.Healthy, term), (_host.State, _host.Snapshot.Term)), Backstop);
        Assert.Equal(2, _store.Campaigns);
    }

    [Fact]
    public async Task Primary_LeaseGuardRunsOut_StepsDownByItselfAndStopsTheService()
    {
        StartCoordinator(Session(3, 0xc));
        await PrimaryThenGuardRunsOutAsync();
        await _service.Stops.Reader.ReadAsync(new CancellationTokenSource(Backstop).Token);
    }

    [Fact]
    public async Task Resign_Primary_DeletesActiveAndCandidateKeysThenRepliesDone()
    {
        var actor = StartCoordinator(Session(4, 0xd));
        await StartedTermAsync();
        var active = _layout.ActiveKey(Roles.RootCoord);
        await AwaitAssertAsync(() => Assert.NotNull(_store.Get(active)), Backstop);

        await actor.Ask<Done>(Resign.Instance, Backstop);

        Assert.Null(_store.Get(active));
        Assert.Null(_store.Get(_layout.CandidateKey(Roles.RootCoord, 0xd)));
        Assert.Equal(StateCode.Stopping, _host.State);
    }

    [Fact]
    public async Task Resign_EtcdDoesNotAnswer_TheResignTimeoutRunsOnTheActorsClockAndDoneComes()
    {
        // A resign timeout far beyond the backstop: only the actor's (fake) clock can end it in time; before, it was a
        // wall-clock CancellationTokenSource and no Done came within the backstop.
        var actor = StartCoordinator(Session(8, 0x18), resignTimeout: TimeSpan.FromSeconds(60));
        await StartedTermAsync();
        await AwaitAssertAsync(() => Assert.NotNull(_store.Get(_layout.ActiveKey(Roles.RootCoord))), Backstop);
        _store.ResignGate = new TaskCompletionSource().Task;

        var done = actor.Ask<Done>(Resign.Instance, Backstop);
        await AwaitAssertAsync(() =>
        {
            _time.Advance(TimeSpan.FromSeconds(10));
            Assert.True(done.IsCompleted, "no Done yet");
        }, Backstop);

        await done;
        Assert.Contains(_logs.Messages, m => m.Contains("resign failed", StringComparison.Ordinal));
        Assert.NotNull(_store.Get(_layout.ActiveKey(Roles.RootCoord)));
    }

    [Fact]
    public async Task Primary_OwnKeyDeletedBetweenCampaignReadAndWatch_SeesTheDeleteAndStepsDown()
    {
        // The delete lands after the campaign's read and before the actor's watch starts: only a watch from the read's
        // revision + 1 sees it (a watch from "now" would keep this process primary on a key that no longer exists).
        var once = 0;
        _store.AfterCampaign = key =>
        {
            if (Interlocked.Exchange(ref once, 1) == 0)
            {
                _store.Delete(key);
            }
        };
        // The service start is held open, so only the watch can end this leadership (not a refused active-key write).
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _service.StartGate = gate.Task;
        StartCoordinator(Session(5, 0xe));
        var first = await StartedTermAsync();

        await _service.Stops.Reader.ReadAsync(new CancellationTokenSource(Backstop).Token);
        Assert.Contains(_logs.Messages, m => m.Contains("own candidate key deleted", StringComparison.Ordinal));
        gate.SetResult();
        var second = await StartedTermAsync();
        Assert.True(second > first, $"campaigned anew with a new key: term {second} after {first}");
        await AwaitAssertAsync(() => Assert.Equal((StateCode.Healthy, second), (_host.State, _host.Snapshot.Term)), Backstop);
    }

    [Fact]
    public async Task Primary_CandidateWatchCompactedThenCancelledByEtcd_RereadsTheKeyAndLeadsOnUntilItIsDeleted()
    {
        StartCoordinator(Session(7, 0x17));
        var term = await StartedTermAsync();
        await AwaitAssertAsync(() => Assert.Equal((StateCode.Healthy, term), (_host.State, _host.Snapshot.Term)), Backstop);
        var own = _layout.CandidateKey(Roles.RootCoord, 0x17);
        await AwaitAssertAsync(() => Assert.Equal(1, _store.WatchesOf(own)), Backstop);

        // A broken stream resumed from a revision etcd compacted since: the key is untouched, so it is read and watched on
        // (before, the primary stepped down: a needless failover).
        Assert.Equal(1, _store.FailWatches(own, new EtcdCompactedException(term + 10, term + 1)));
        await AwaitAssertAsync(() => Assert.Equal(1, _store.WatchesOf(own)), Backstop);
        // etcd cancels the watch (no leader, say): the same, after a backoff on the actor's clock (100 ms + 20% jitter).
        var start = _time.GetUtcNow();
        Assert.Equal(1, _store.FailWatches(own, new EtcdWatchCanceledException("etcdserver: no leader")));
        Assert.Equal(0, _store.WatchesOf(own));
        await AwaitAssertAsync(() =>
        {
            // The backoff's timer may start after any one step: step the clock until it has fired, the lease kept alive.
            _time.Advance(TimeSpan.FromMilliseconds(50));
            _guard.Acknowledged(_time.GetTimestamp());
            Assert.Equal(1, _store.WatchesOf(own));
        }, Backstop);
        Assert.True(_time.GetUtcNow() - start >= TimeSpan.FromMilliseconds(100), "the cancelled watch was re-created without the backoff");

        Assert.Equal((StateCode.Healthy, term), (_host.State, _host.Snapshot.Term));
        Assert.Equal(0, _service.Stops.Reader.Count);
        Assert.Equal(2, _logs.Messages.Count(m => m.Contains("the candidate key's watch ended without a DELETE", StringComparison.Ordinal)));

        // The watch still works: the key's DELETE ends this leadership.
        _store.Delete(own);
        await _service.Stops.Reader.ReadAsync(new CancellationTokenSource(Backstop).Token);
        Assert.Contains(_logs.Messages, m => m.Contains("own candidate key deleted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Primary_ServiceStopFails_FailureIsLoggedAndTheActorCampaignsAgain()
    {
        _service.StopError = new InvalidOperationException("disk full while flushing");
        StartCoordinator(Session(6, 0xf));
        await PrimaryThenGuardRunsOutAsync();

        await AwaitAssertAsync(() => Assert.Contains(_logs.Messages,
            m => m.StartsWith("Warning:", StringComparison.Ordinal) && m.Contains("service stop failed: disk full while flushing", StringComparison.Ordinal)), Backstop);
        // Stepping down went on past the failure: with the guard valid again the actor leads again.
        _guard.Acknowledged(_time.GetTimestamp());
        await AwaitAssertAsync(() =>
        {
            Scheduler.Advance(TimeSpan.FromMilliseconds(50));
            Assert.Equal(StateCode.Healthy, _host.State);
        }, Backstop);
    }

    [Fact]
    public async Task Standby_RehearsalFails_FailureIsLoggedAndTheStandbyStaysQueued()
    {
        _store.RehearsalError = new InvalidOperationException("etcd: permission denied");
        _store.Put(_layout.CandidateKey(Roles.RootCoord, 0xa), "{}");
        StartCoordinator(Session(7, 0x10));

        await AwaitAssertAsync(() => Assert.Contains(_logs.Messages,
            m => m.StartsWith("Warning:", StringComparison.Ordinal) && m.Contains("takeover rehearsal failed: etcd: permission denied", StringComparison.Ordinal)), Backstop);
        Assert.Equal(StateCode.StandBy, _host.State);
    }
}
