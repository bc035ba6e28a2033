using Akka.Actor;
using Coordinators.Actors.Components;
using Coordinators.Actors.Config;
using Coordinators.Actors.Election;
using Coordinators.Actors.Model;
using Coordinators.Actors.Sessions;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coordinators.Simulation;

/// <summary>
/// One simulated process of the role, wired as ComponentRuntime wires a coordinator: the real <see cref="SessionActor"/>
/// with the real <see cref="CoordinatorActor"/> as its child, both on the slot's gated dispatcher, sharing one
/// <see cref="LeaseGuard"/> on the process's own drifting clock; the session on the model session store, the election
/// on the model election store, and SimService as the role's service.
/// </summary>
internal sealed class SimProcess
{
    private readonly SimWorld _world;
    private readonly GatedDispatcher _gate;
    private readonly List<Action> _held = [];
    // The ServerID last published on the host, to trace the session's changes.
    private long _serverId;

    public SimProcess(SimWorld world, int id, int slot, Simulator.Slot slotParts, long driftPpm)
    {
        _world = world;
        Id = id;
        Slot = slot;
        _gate = slotParts.Gate;
        DriftPpm = driftPpm;
        Clock = new DriftingClock(world.Loop, driftPpm) { Deliver = Deliver };
        var options = world.Options;
        Guard = options.GuardDisabled
            ? new LeaseGuard(Clock, TimeSpan.FromDays(3650), TimeSpan.Zero)
            : new LeaseGuard(Clock, options.Session.Ttl, options.Session.LeaseGuardMargin);
        Host = new ComponentHost(Roles.RootCoord, NullLoggerFactory.Instance, Clock);
        Host.SetAddress($"p{id}");
        Host.StateChanged += OnStateChanged;
        Service = new SimService(this, world);
        slotParts.Clock.Current = Clock;
        var coordinatorsOptions = new CoordinatorsOptions { Session = options.Session };
        var coordinator = CoordinatorActor.Props(new CoordinatorActorSettings
        {
            Etcd = slotParts.Etcd,
            Layout = world.Layout,
            Host = Host,
            Options = coordinatorsOptions,
            Guard = Guard,
            Service = Service,
            Store = new ModelElectionStore(this, world.Net, world.Etcd, world.Loop),
            Random = world.Loop.Random,
        }).WithDispatcher(slotParts.DispatcherId);
        world.Loop.Trace($"p{Id} started in slot {slot}, clock drift {driftPpm} ppm");
        Session = world.System.ActorOf(SessionActor.Props(new SessionActorSettings
        {
            Etcd = slotParts.Etcd,
            Layout = world.Layout,
            Host = Host,
            Options = coordinatorsOptions,
            Guard = Guard,
            Children = [("coordinator", coordinator)],
            MinBackoff = options.MinBackoff,
            Store = new ModelSessionStore(this, world),
            Random = world.Loop.Random,
        }).WithDispatcher(slotParts.DispatcherId), $"s{world.Seed}-p{id}");
    }

    public int Id { get; }

    public int Slot { get; }

    public long DriftPpm { get; }

    public bool Alive { get; private set; } = true;

    public bool Paused => _gate.Paused;

    public DriftingClock Clock { get; }

    public LeaseGuard Guard { get; }

    public ComponentHost Host { get; }

    public SimService Service { get; }

    /// <summary>The process's SessionActor (the CoordinatorActor is its child).</summary>
    public IActorRef Session { get; }

    /// <summary>True while the process believes it is primary: its component reports Healthy.</summary>
    public bool BelievesPrimary => Alive && Host.State == StateCode.Healthy;

    public long Term => Host.Snapshot.Term;

    /// <summary>Runs an event of this process now, or holds it until the process is resumed.</summary>
    public void Deliver(Action action)
    {
        if (!Alive)
        {
            return;
        }
        if (_gate.Paused)
        {
            _held.Add(action);
            return;
        }
        action();
    }

    public void Pause()
    {
        _gate.Pause();
        _world.Loop.Trace($"p{Id} paused");
    }

    /// <summary>Releases the actors' held messages and timers, then (a moment later, as another thread would) the rest: network answers, keep-alive, timers of its clock.</summary>
    public void Resume()
    {
        _world.Loop.Trace($"p{Id} resumed");
        _gate.Resume();
        _world.Loop.After(_world.Loop.Between(TimeSpan.Zero, TimeSpan.FromMilliseconds(5)), () =>
        {
            var held = _held.ToList();
            _held.Clear();
            foreach (var action in held)
            {
                Deliver(action);
            }
        });
    }

    /// <summary>The process dies: no resign, no revoke; its keys stay until the lease expires at etcd.</summary>
    public void Crash()
    {
        _world.Loop.Trace($"p{Id} crashed");
        End();
    }

    /// <summary>A clean stop, as ComponentRuntime's: ShutdownSession (the coordinator resigns, the lease is revoked), then the process exits.</summary>
    public void Stop()
    {
        _world.Loop.Trace($"p{Id} stopping cleanly");
        if (_gate.Paused)
        {
            Resume();
        }
        _world.Reply(Session, ShutdownSession.Instance, _ =>
        {
            if (!Alive)
            {
                return;
            }
            _world.Loop.Trace($"p{Id} exited after its session closed");
            End();
        });
    }

    private void End()
    {
        Alive = false;
        _held.Clear();
        _world.System.Stop(Session);
        // A paused mailbox must run to process the stop; its held messages then go nowhere.
        _gate.Resume();
    }

    private void OnStateChanged(ComponentStateSnapshot s)
    {
        if (s.ServerId != _serverId)
        {
            _serverId = s.ServerId;
            _world.Loop.Trace($"p{Id} {s.Reason}" + (s.ServerId == 0 ? "" : $" (lease {Host.LeaseId:x})"));
        }
    }
}
