using System.Threading.Channels;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Coordinators.Actors.Components;
using Coordinators.Actors.Config;
using Coordinators.Actors.Election;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Tests.Etcd;
using Coordinators.Tests.Fixtures;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Election;

/// <summary>
/// The CoordinatorActor under its SessionActor on Akka.NET against a real etcd, with a service that records what
/// the actor asked of it: the re-sync after a supervisor restart and a session replaced while primary. The
/// behaviours on virtual time (warm-up loop, guard expiry) are in <see cref="CoordinatorActorBehaviourTests"/>.
/// </summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class CoordinatorActorTests(EtcdSingleFixture etcd, ITestOutputHelper output)
    : TestKit(Coordinators.Actors.Runtime.ActorSystemHost.BaseHocon, output), IClassFixture<EtcdSingleFixture>
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(15);
    private readonly ITestOutputHelper _output = output;
    private readonly ILoggerFactory _loggers = LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(output)));
    private readonly CoordinatorsOptions _options = new()
    {
        Root = EtcdSingleFixture.Prefix() + "c",
        Session = new SessionOptions { Ttl = TimeSpan.FromSeconds(2) },
    };

    private EtcdLayout Layout => new(_options.Root);

    private (IActorRef Session, ComponentHost Host, RecordingCoordinatorService Service) Start(
        EtcdClient? client = null, CoordinatorsOptions? options = null, ILoggerFactory? loggers = null)
    {
        client ??= etcd.Client;
        options ??= _options;
        var host = new ComponentHost(Roles.RootCoord, loggers ?? _loggers);
        host.SetAddress("127.0.0.1:1");
        var guard = SessionActorSettings.CreateGuard(options, TimeProvider.System);
        var service = new RecordingCoordinatorService();
        var coordinator = CoordinatorActor.Props(new CoordinatorActorSettings
        {
            Etcd = client, Layout = Layout, Host = host, Options = options, Guard = guard, Service = service,
        });
        var session = Sys.ActorOf(SessionActor.Props(new SessionActorSettings
        {
            Etcd = client, Layout = Layout, Host = host, Options = options, Guard = guard, Children = [("coordinator", coordinator)],
        }), "session");
        return (session, host, service);
    }

    [Fact]
    public async Task Primary_ActorRestartedBySupervisor_ResyncsSessionAndLeadsAgain()
    {
        var (session, host, service) = Start();
        var primary = await WaitForAsync(host, s => s.State == StateCode.Healthy);
        await service.Starts.Reader.ReadAsync(new CancellationTokenSource(Backstop).Token);

        var coordinator = await Sys.ActorSelection(session.Path / "coordinator").ResolveOne(Backstop);
        coordinator.Tell(Kill.Instance);

        // The restarted actor stops serving, gets the session again, campaigns with its own key and leads again.
        await WaitForAsync(host, s => s.Version > primary.Version && s.State == StateCode.StandBy);
        var again = await WaitForAsync(host, s => s.Version > primary.Version && s.State == StateCode.Healthy);
        Assert.Equal(primary.Term, again.Term);
        Assert.Equal(primary.Term, await service.Starts.Reader.ReadAsync(new CancellationTokenSource(Backstop).Token));
        Assert.Single((await etcd.Client.GetAsync(Layout.ActiveKey(Roles.RootCoord))).Kvs);
    }

    [Fact]
    public async Task Primary_NewSessionArrives_LeadershipEndsBeforeItCampaignsAgain()
    {
        var (session, host, service) = Start();
        await WaitForAsync(host, s => s.State == StateCode.Healthy);
        var term = await service.Starts.Reader.ReadAsync(new CancellationTokenSource(Backstop).Token);
        var leadership = service.Leadership;

        // A session replacing the live one without a loss in between (the actor must not lead on the old term).
        var lease = await etcd.Client.GrantLeaseAsync(10);
        var replacement = new SessionInfo { ServerId = 999, Role = Roles.RootCoord, Address = "127.0.0.1:1", LeaseId = lease.ID };
        var coordinator = await Sys.ActorSelection(session.Path / "coordinator").ResolveOne(Backstop);
        coordinator.Tell(new SessionEstablished(replacement, 0));

        await service.Stops.Reader.ReadAsync(new CancellationTokenSource(Backstop).Token);
        Assert.True(leadership.IsCancellationRequested, "the old term's leadership token was not cancelled");
        Assert.True(term > 0);
        await etcd.Client.RevokeLeaseAsync(lease.ID);
    }

    [Fact]
    public async Task Primary_CandidateWatchResumedBelowACompaction_LeadsOnAndSeesALaterDelete()
    {
        await using var cluster = await EtcdCluster.StartSingleAsync();
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls, RequestTimeout = TimeSpan.FromSeconds(1) });
        // A TTL that outlasts the member's restart.
        var options = _options with { Session = new SessionOptions { Ttl = TimeSpan.FromSeconds(6) } };
        var resumed = new LogEventWaiter(5302);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(_output)).AddProvider(resumed));
        var (_, host, service) = Start(client, options, loggers);
        var primary = await WaitForAsync(host, s => s.State == StateCode.Healthy);
        var term = await service.Starts.Reader.ReadAsync(new CancellationTokenSource(Backstop).Token);
        // etcd moves past the campaign's read and compacts there: the candidate watch, resumed from the read's
        // revision + 1 after the restart breaks its stream, is refused ("compacted").
        await EtcdCompaction.MovePastAndCompactAsync(client, Layout.Root + "/other");

        await cluster.RestartAsync(0);
        await resumed.Logged.WaitAsync(Backstop);

        // Still primary on the same term, the service never stopped (before: "candidate watch failed", a step-down).
        Assert.Equal((StateCode.Healthy, term), (host.Snapshot.State, host.Snapshot.Term));
        Assert.Equal(primary.Version, host.Snapshot.Version);
        Assert.Equal(0, service.Stops.Reader.Count);
        // And the key is watched again: its DELETE ends the leadership.
        var candidate = (await client.GetAsync(Layout.ElectionPrefix(Roles.RootCoord), new GetOptions { Prefix = true })).Kvs;
        Assert.Single(candidate);
        await client.DeleteAsync(candidate[0].Key.ToStringUtf8());
        await service.Stops.Reader.ReadAsync(new CancellationTokenSource(Backstop).Token);
    }

    private static async Task<ComponentStateSnapshot> WaitForAsync(ComponentHost host, Func<ComponentStateSnapshot, bool> accept)
    {
        if (accept(host.Snapshot))
        {
            return host.Snapshot;
        }
        using var cts = new CancellationTokenSource(Backstop);
        await foreach (var s in host.WatchStates(cts.Token))
        {
            if (accept(s))
            {
                return s;
            }
        }
        throw new TimeoutException("the state never came");
    }
}
