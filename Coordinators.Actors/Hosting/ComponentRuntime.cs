using Coordinators.Actors.Components;
using Coordinators.Actors.Config;
using Coordinators.Actors.Election;
using Coordinators.Actors.Election.Services;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Connections;
using Coordinators.Actors.Connections.Nodes;
using Akka;
using Akka.Actor;
using Coordinators.Actors.Runtime;
using Coordinators.Actors.Sessions;
using Microsoft.Extensions.Logging;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Hosting;

/// <summary>
/// One process running one role, composed from the parts: a <see cref="ComponentHost"/> with the stages
/// grpc-server (100), session (300: the <see cref="SessionActor"/> and, for a coordinator, its
/// <see cref="CoordinatorActor"/>; done once the first session is registered) and ready (400: a node becomes
/// Healthy; a coordinator is StandBy or Healthy as its election decides). Add your own stages (e.g. dependencies
/// at <see cref="ComponentStages.Dependencies"/>) and the Proxy handler on <see cref="Host"/> before
/// <see cref="StartAsync"/>. <c>coordinators run</c> is this class plus signals and console output.
/// </summary>
public sealed class ComponentRuntime : IAsyncDisposable
{
    private readonly bool _ownsEtcd;

    /// <summary>Composes the runtime of <paramref name="role"/>; nothing runs until <see cref="StartAsync"/>.</summary>
    public ComponentRuntime(string role, CoordinatorsOptions options, ILoggerFactory loggerFactory, EtcdClient? etcd = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Roles.Validate(role, "role");
        var time = timeProvider ?? TimeProvider.System;
        Options = options;
        Layout = new EtcdLayout(options.Root);
        _ownsEtcd = etcd is null;
        Etcd = etcd ?? EtcdClientFactory.Create(options, loggerFactory, time);
        Host = new ComponentHost(role, loggerFactory, time);
        Guard = SessionActorSettings.CreateGuard(options, time);
        if (Roles.IsCoordinator(role))
        {
            Host.Guard = Guard;
            Service = CoordinatorServices.Create(role, Etcd, Layout, options, Guard, time, loggerFactory);
            AddDuties(Service, options);
        }
        Host.UseGrpcServer(options.Listen);
        var coordinator = Roles.IsCoordinator(role);
        _telemetry = Telemetry.Track(role,
            () => coordinator && Host.State == StateCode.Healthy,
            () => Host.State == StateCode.Healthy,
            () => coordinator && Host.State == StateCode.Healthy ? Host.Snapshot.Term : 0,
            coordinator ? Guard : null);
        if (options.HttpListen is { } http)
        {
            // Before the session: /healthz and /readyz answer (503 while Initializing) from early in the start.
            Host.AddStage("http", ComponentStages.GrpcServer + 50,
                async ct =>
                {
                    Http = await HealthHttpServer.StartAsync(Host, http, options.Session.Ttl, time, ct).ConfigureAwait(false);
                    Host.HttpAddress = Http.Address;
                },
                async _ =>
                {
                    if (Http is { } server)
                    {
                        await server.DisposeAsync().ConfigureAwait(false);
                    }
                });
        }
        // First of all: the actor system starts and the etcd channel connects in the background while the gRPC server
        // binds; the session stage waits for both. Each costs 100-200 ms of cold start (JIT) that would otherwise add up.
        Host.AddStage("warm-start", ComponentStages.GrpcServer - 50, BeginWarmStart, _ => StopActorsAsync());
        Host.AddStage("session", ComponentStages.Session, StartSessionAsync, StopSessionAsync);
        Host.AddStage("ready", ComponentStages.Ready, ReadyAsync);
        if (Roles.IsCoordinator(role) && options.Election.WarmJit)
        {
            // After ready; its stop only cancels (stops run in reverse, so this one runs before the resign).
            Host.AddStage("warm-jit", ComponentStages.Ready + 50, _ =>
            {
                _jitWarmup = JitWarmup.RunAsync(typeof(ComponentRuntime).Assembly, JitWarmupDelay, loggerFactory.CreateLogger("Coordinators.Runtime"), role, _jitWarmupStop.Token);
                return Task.CompletedTask;
            }, _ => _jitWarmupStop.CancelAsync());
        }
    }

    /// <summary>The /healthz and /readyz endpoint once its stage started; null when <c>http.listen</c> is off.</summary>
    public HealthHttpServer? Http { get; private set; }

    /// <summary>The role.</summary>
    public string Role => Host.Role;

    /// <summary>The configuration.</summary>
    public CoordinatorsOptions Options { get; }

    /// <summary>The key layout under the configured root.</summary>
    public EtcdLayout Layout { get; }

    /// <summary>The process's etcd client.</summary>
    public EtcdClient Etcd { get; }

    /// <summary>Stages, state, gRPC server; add stages and the Proxy handler here before start.</summary>
    public ComponentHost Host { get; }

    /// <summary>The session's lease guard.</summary>
    public LeaseGuard Guard { get; }

    /// <summary>The actor system the session and election actors run on (Akka.Hosting); null before the session stage started.</summary>
    public ActorSystem? System => _actors?.System;

    // Reports this component in the Telemetry gauges until disposed.
    private readonly IDisposable _telemetry;

    // Started by the warm-start stage, awaited by the session stage, stopped by the session's stop (or by the warm-start
    // stage's stop / dispose when a start failed half-way).
    private Task<ActorSystemHost>? _actorsStarting;
    private ActorSystemHost? _actors;
    // The first etcd round trip (connect + JIT of the call path), made while the gRPC server binds.
    private Task? _etcdWarm;
    // The JIT warm-up after ready (election.warm-jit): cancelled by its stage's stop, awaited at dispose.
    private static readonly TimeSpan JitWarmupDelay = TimeSpan.FromMilliseconds(250);
    private readonly CancellationTokenSource _jitWarmupStop = new();
    private Task _jitWarmup = Task.CompletedTask;

    /// <summary>The coordinator service (null for node roles).</summary>
    public EpochCoordinatorService? Service { get; }

    /// <summary>The crash guard this process runs under (set before <see cref="StartAsync"/>); null when unguarded.</summary>
    public ICrashGuardLink? CrashGuard { get; set; }

    /// <summary>The session actor once the session stage started.</summary>
    public IActorRef? Session { get; private set; }

    /// <summary>Runs the stages in order; completes when the component reached its start-up state.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => Host.StartAsync(cancellationToken);

    /// <summary>Runs the stops in reverse: resign and revoke, then the server stops.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => Host.StopAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync().ConfigureAwait(false);
        await _jitWarmupStop.CancelAsync().ConfigureAwait(false);
        await _jitWarmup.ConfigureAwait(false);
        _jitWarmupStop.Dispose();
        await StopActorsAsync().ConfigureAwait(false);
        if (Service is IAsyncDisposable service)
        {
            await service.DisposeAsync().ConfigureAwait(false);
        }
        _telemetry.Dispose();
        if (_ownsEtcd)
        {
            Etcd.Dispose();
        }
    }

    /// <summary>
    /// Serves the role's duties on its gRPC port: rootcoord's allocators; datacoord's segment meta, with a
    /// ConnectionManager following rootcoord's primary for segment ids.
    /// </summary>
    private void AddDuties(EpochCoordinatorService service, CoordinatorsOptions options)
    {
        switch (service)
        {
            case RootCoordService rootCoord:
                Host.AddGrpcService(new RootCoordGrpcService(rootCoord, Host));
                break;
            case DataCoordService dataCoord:
                var connections = Host.UseConnectionManager(Etcd, ConnectionManagerOptions.From(options), [Roles.RootCoord]);
                dataCoord.AllocateId = async ct =>
                {
                    var ids = await connections.CallPrimaryAsync(Roles.RootCoord,
                        (i, o) => new Components.Proto.RootCoord.RootCoordClient(i).AllocIDAsync(new Components.Proto.AllocIDRequest { Count = 1 }, o),
                        new Grpc.Core.CallOptions(cancellationToken: ct)).ConfigureAwait(false);
                    return ids.First;
                };
                Host.AddGrpcService(new DataCoordGrpcService(dataCoord, Host));
                break;
        }
    }

    private async Task StopActorsAsync()
    {
        _actors = null;
        if (Interlocked.Exchange(ref _actorsStarting, null) is not { } starting)
        {
            return;
        }
        ActorSystemHost actors;
        try
        {
            actors = await starting.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The start failed: the session stage (or the start that failed before it) has reported it; nothing to stop.
            return;
        }
        await actors.DisposeAsync().ConfigureAwait(false);
    }

    private Task BeginWarmStart(CancellationToken ct)
    {
        // On pool threads: both do 100+ ms of synchronous work (host build, channel set-up, JIT) before their first await.
        _actorsStarting = Task.Run(() => ActorSystemHost.StartAsync("coordinators-" + Role, Host.LoggerFactory, Options.AkkaHocon, ct), ct);
        _etcdWarm = Task.Run(() => WarmEtcdAsync(ct), ct);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The session's first calls, made harmless: a read-only Txn whose compare never holds (the ServerID allocation's
    /// shape) and a lease list, so the channel is connected and their code compiled before the session needs them.
    /// </summary>
    private async Task WarmEtcdAsync(CancellationToken ct)
    {
        var counter = Layout.ServerIdCounter;
        await Etcd.Txn().If(Cmp.Version(counter) == -1).Then(Op.Put(counter, "0")).Else(Op.Get(counter)).CommitAsync(ct).ConfigureAwait(false);
        await Etcd.LeasesAsync(ct).ConfigureAwait(false);
    }

    private async Task StartSessionAsync(CancellationToken ct)
    {
        try
        {
            await (_etcdWarm ?? Task.CompletedTask).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException && !ct.IsCancellationRequested)
        {
            RuntimeLog.EtcdWarmUpFailed(Host.LoggerFactory.CreateLogger<ComponentRuntime>(), Role, e.Message);
        }
        _actors = await (_actorsStarting ?? throw new InvalidOperationException("the warm-start stage did not run")).ConfigureAwait(false);
        var system = _actors.System;
        var children = new List<(string, Props)>();
        if (Service is not null)
        {
            children.Add(("coordinator", CoordinatorActor.Props(new CoordinatorActorSettings
            {
                Etcd = Etcd,
                Layout = Layout,
                Host = Host,
                Options = Options,
                Guard = Guard,
                Service = Service,
            })));
        }
        var established = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnState(ComponentStateSnapshot s)
        {
            if (s.ServerId != 0)
            {
                established.TrySetResult();
            }
        }
        Host.StateChanged += OnState;
        try
        {
            Session = system.ActorOf(SessionActor.Props(new SessionActorSettings
            {
                Etcd = Etcd,
                Layout = Layout,
                Host = Host,
                Options = Options,
                Guard = Guard,
                CrashGuard = CrashGuard,
                Children = children,
            }), "session");
            if (Host.ServerId != 0)
            {
                established.TrySetResult();
            }
            await established.Task.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            Host.StateChanged -= OnState;
        }
    }

    private async Task ReadyAsync(CancellationToken ct)
    {
        if (!Roles.IsCoordinator(Role))
        {
            Host.SetState(StateCode.Healthy, "started");
            return;
        }
        // A coordinator is ready once its election placed it: StandBy in the queue, or Healthy as primary.
        await foreach (var s in Host.WatchStates(ct).ConfigureAwait(false))
        {
            if (s.State is StateCode.StandBy or StateCode.Healthy)
            {
                return;
            }
        }
    }

    private async Task StopSessionAsync(CancellationToken ct)
    {
        if (Session is { } session)
        {
            try
            {
                await session.Ask<Done>(ShutdownSession.Instance, Options.Election.ResignTimeout + TimeSpan.FromSeconds(3), ct).ConfigureAwait(false);
            }
            finally
            {
                await StopActorsAsync().ConfigureAwait(false);
            }
        }
    }
}
