using Coordinators.Actors.Components;
using Coordinators.Actors.Config;
using Akka;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Logging;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Etcd;
using Coordinators.Tests.Etcd;
using Coordinators.Tests.Fixtures;
using Xunit.Abstractions;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Sessions;

[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SessionActorTests(EtcdSingleFixture etcd, ITestOutputHelper output)
    : TestKit(Coordinators.Actors.Runtime.ActorSystemHost.BaseHocon, output), IClassFixture<EtcdSingleFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly ITestOutputHelper _output = output;
    private readonly CoordinatorsOptions _options = new()
    {
        Root = EtcdSingleFixture.Prefix() + "c",
        Session = new SessionOptions { Ttl = TimeSpan.FromSeconds(2) },
    };

    // Our actors' structured logs go to the test output beside Akka's own.
    private readonly ILoggerFactory _loggers = LoggerFactory.Create(b =>
        b.AddProvider(new TestOutputLoggerProvider(output)));

    private EtcdLayout Layout => new(_options.Root);

    private (IActorRef Session, Akka.TestKit.TestProbe Probe, ComponentHost Host) StartSession(string role = Roles.QueryNode)
    {
        var host = new ComponentHost(role, _loggers);
        host.SetAddress("127.0.0.1:1");
        var probe = CreateTestProbe();
        var session = Sys.ActorOf(SessionActor.Props(new SessionActorSettings
        {
            Etcd = etcd.Client,
            Layout = Layout,
            Host = host,
            Options = _options,
            Guard = SessionActorSettings.CreateGuard(_options, TimeProvider.System),
        }));
        session.Tell(new SubscribeSession(probe.Ref));
        return (session, probe, host);
    }

    [Fact]
    public async Task Start_TwoSessions_UniqueServerIdsAndKeysAttachedToLeases()
    {
        var (_, probeA, hostA) = StartSession();
        var (_, probeB, _) = StartSession();
        var a = (await probeA.ExpectMsgAsync<SessionEstablished>(Wait)).Session;
        var b = (await probeB.ExpectMsgAsync<SessionEstablished>(Wait)).Session;

        Assert.Equal([1L, 2L], new[] { a.ServerId, b.ServerId }.Order());
        Assert.NotEqual(a.LeaseId, b.LeaseId);
        Assert.Equal(a.ServerId, hostA.ServerId);
        Assert.Equal(a.LeaseId, hostA.LeaseId);
        foreach (var s in new[] { a, b })
        {
            var kv = Assert.Single((await etcd.Client.GetAsync(Layout.SessionKey(Roles.QueryNode, s.ServerId))).Kvs);
            Assert.Equal(s.LeaseId, kv.Lease);
            Assert.True(SessionInfo.TryParse(kv.Value.ToStringUtf8(), out var stored, out _));
            Assert.Equal((s.ServerId, "querynode", "127.0.0.1:1", Environment.ProcessId), (stored!.ServerId, stored.Role, stored.Address, stored.Pid));
        }
        Assert.Equal("2", (await etcd.Client.GetAsync(Layout.ServerIdCounter)).Kvs[0].Value.ToStringUtf8());
    }

    [Fact]
    public async Task OwnKeyDeleted_SessionLostThenNewSessionWithNewServerId()
    {
        var (_, probe, host) = StartSession();
        var first = (await probe.ExpectMsgAsync<SessionEstablished>(Wait)).Session;

        await etcd.Client.DeleteAsync(Layout.SessionKey(Roles.QueryNode, first.ServerId));

        var lost = await probe.ExpectMsgAsync<SessionLost>(Wait);
        Assert.Equal(first.ServerId, lost.ServerId);
        Assert.Equal("own session key was deleted", lost.Reason);
        var second = (await probe.ExpectMsgAsync<SessionEstablished>(Wait)).Session;
        Assert.Equal(first.ServerId + 1, second.ServerId);
        Assert.NotEqual(first.LeaseId, second.LeaseId);
        Assert.Equal(second.ServerId, host.ServerId);
        // The old lease was revoked on the way: nothing of the old session is left.
        Assert.Equal(-1, (await etcd.Client.LeaseTimeToLiveAsync(first.LeaseId)).TTL);
    }

    [Fact]
    public async Task LeaseRevokedElsewhere_SessionLostThenNewSession()
    {
        var (_, probe, _) = StartSession();
        var first = (await probe.ExpectMsgAsync<SessionEstablished>(Wait)).Session;

        await etcd.Client.RevokeLeaseAsync(first.LeaseId);

        var lost = await probe.ExpectMsgAsync<SessionLost>(Wait);
        Assert.Equal(first.LeaseId, lost.LeaseId);
        var second = (await probe.ExpectMsgAsync<SessionEstablished>(Wait)).Session;
        Assert.NotEqual(first.ServerId, second.ServerId);
    }

    [Fact]
    public async Task Shutdown_RevokesLeaseAndRemovesKey()
    {
        var (session, probe, host) = StartSession();
        var s = (await probe.ExpectMsgAsync<SessionEstablished>(Wait)).Session;

        await session.Ask<Done>(ShutdownSession.Instance, Wait);

        Assert.Equal(-1, (await etcd.Client.LeaseTimeToLiveAsync(s.LeaseId)).TTL);
        Assert.Empty((await etcd.Client.GetAsync(Layout.SessionKey(Roles.QueryNode, s.ServerId))).Kvs);
        Assert.Equal(0, host.ServerId);
    }

    [Fact]
    public async Task Shutdown_ChildNeverResigns_LeaseRevokedAfterTheResignTimeout()
    {
        var options = _options with { Election = _options.Election with { ResignTimeout = TimeSpan.FromMilliseconds(300) } };
        var host = new ComponentHost(Roles.RootCoord, _loggers);
        host.SetAddress("127.0.0.1:1");
        var probe = CreateTestProbe();
        var session = Sys.ActorOf(SessionActor.Props(new SessionActorSettings
        {
            Etcd = etcd.Client, Layout = Layout, Host = host, Options = options,
            Guard = SessionActorSettings.CreateGuard(options, TimeProvider.System),
            // A child that never answers Resign: the shutdown must go on without it.
            Children = [("coordinator", Akka.TestKit.TestActors.BlackHoleActor.Props)],
        }));
        session.Tell(new SubscribeSession(probe.Ref));
        var s = (await probe.ExpectMsgAsync<SessionEstablished>(Wait)).Session;

        await session.Ask<Done>(ShutdownSession.Instance, Wait);

        Assert.Equal(-1, (await etcd.Client.LeaseTimeToLiveAsync(s.LeaseId)).TTL);
        Assert.Equal(0, host.ServerId);
        // Asked again once finished: answered at once.
        await session.Ask<Done>(ShutdownSession.Instance, Wait);
    }

    [Fact]
    public async Task OwnKeyWatch_ResumedBelowACompaction_KeyReadAndWatchedFromThere()
    {
        await using var cluster = await EtcdCluster.StartSingleAsync();
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls, RequestTimeout = TimeSpan.FromSeconds(1) });
        // A TTL that outlasts the member's restart.
        var options = _options with { Session = new SessionOptions { Ttl = TimeSpan.FromSeconds(6) } };
        var resumed = new LogEventWaiter(5210);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(_output)).AddProvider(resumed));
        var host = new ComponentHost(Roles.QueryNode, loggers);
        host.SetAddress("127.0.0.1:1");
        var probe = CreateTestProbe();
        var session = Sys.ActorOf(SessionActor.Props(new SessionActorSettings
        {
            Etcd = client, Layout = Layout, Host = host, Options = options, Guard = SessionActorSettings.CreateGuard(options, TimeProvider.System),
        }));
        session.Tell(new SubscribeSession(probe.Ref));
        var s = (await probe.ExpectMsgAsync<SessionEstablished>(Wait)).Session;
        // etcd moves past the session key's revision and compacts there: a watch resumed from the put's revision + 1 is refused.
        await EtcdCompaction.MovePastAndCompactAsync(client, Layout.Root + "/other");

        // The restart breaks the watch stream; the client resumes it below the compaction.
        await cluster.RestartAsync(0);
        await resumed.Logged.WaitAsync(Wait);
        await client.DeleteAsync(Layout.SessionKey(Roles.QueryNode, s.ServerId));

        // Still the same session, and its key is watched again: the delete ends it.
        var lost = await probe.ExpectMsgAsync<SessionLost>(Wait);
        Assert.Equal((s.ServerId, "own session key was deleted"), (lost.ServerId, lost.Reason));
    }

    [Fact]
    public async Task Session_KeptAlivePastTtl_GuardValidAndKeyStays()
    {
        var host = new ComponentHost(Roles.QueryNode, _loggers);
        host.SetAddress("127.0.0.1:1");
        var guard = SessionActorSettings.CreateGuard(_options, TimeProvider.System);
        var probe = CreateTestProbe();
        var session = Sys.ActorOf(SessionActor.Props(new SessionActorSettings { Etcd = etcd.Client, Layout = Layout, Host = host, Options = _options, Guard = guard }));
        session.Tell(new SubscribeSession(probe.Ref));
        var s = (await probe.ExpectMsgAsync<SessionEstablished>(Wait)).Session;

        // Two TTLs without a loss: only the keep-alive can have kept the lease.
        await probe.ExpectNoMsgAsync(TimeSpan.FromSeconds(4));

        Assert.True(guard.IsValid);
        Assert.Single((await etcd.Client.GetAsync(Layout.SessionKey(Roles.QueryNode, s.ServerId))).Kvs);
    }
}
