using Coordinators.Actors.Components;
using Coordinators.Actors.Config;
using Coordinators.Actors.Election;
using Coordinators.Actors.Election.Services;
using Coordinators.Actors.Etcd;
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
            Service = CoordinatorServices.Create(role, Etcd, Layout);
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
                async ct => Http = await HealthHttpServer.StartAsync(Host, http, options.Session.Ttl, time, ct).ConfigureAwait(false),
                async _ =>
                {
                    if (Http is { } server)
                    {
                        await server.DisposeAsync().ConfigureAwait(false);
                    }
                });
        }
        Host.AddStage("session", ComponentStages.Session, StartSessionAsync, StopSessionAsync);
        Host.AddStage("ready", ComponentStages.Ready, ReadyAsync);
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

    // Started by the session stage, stopped by its stop (or at dispose when a start failed half-way).
    private ActorSystemHost? _actors;

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
        await StopActorsAsync().ConfigureAwait(false);
        _telemetry.Dispose();
        if (_ownsEtcd)
        {
            Etcd.Dispose();
        }
    }

    private async Task StopActorsAsync()
    {
        if (Interlocked.Exchange(ref _actors, null) is { } actors)
        {
            await actors.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task StartSessionAsync(CancellationToken ct)
    {
        _actors = await ActorSystemHost.StartAsync("coordinators-" + Role, Host.LoggerFactory, Options.AkkaHocon, ct).ConfigureAwait(false);
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
