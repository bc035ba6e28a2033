using Akka.Actor;
using Coordinators.Actors.Components;
using Coordinators.Actors.Config;
using Coordinators.Actors.Election;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;
using Coordinators.Actors.Sessions;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coordinators.Simulation;

/// <summary>
/// One simulated process of the role: the real <see cref="CoordinatorActor"/> on its slot's gated dispatcher, its
/// own drifting clock behind the lease guard, and a session model that does what SessionActor
/// does on the wire: grant a lease (the guard counts from the grant's send time), keep it alive every TTL/10
/// (each acknowledgement records its send time in the guard), lose the session on TTL &lt;= 0 or when no keep-alive
/// was acknowledged for a TTL (guard reset, SessionLost, the lease revoked), and build a new one with backoff.
/// </summary>
internal sealed class SimProcess
{
    private readonly SimWorld _world;
    private readonly GatedDispatcher _gate;
    private readonly List<Action> _held = [];
    // Session model state; _generation changes on every loss so stale answers are ignored.
    private int _generation;
    private long _leaseId;
    private long _lastAckLocal;
    private int _buildAttempt;

    public SimProcess(SimWorld world, int id, int slot, Simulator.Slot slotParts, long driftPpm)
    {
        _world = world;
        Id = id;
        Slot = slot;
        _gate = slotParts.Gate;
        DriftPpm = driftPpm;
        Clock = new DriftingClock(world.Loop, driftPpm);
        var options = world.Options;
        Guard = options.GuardDisabled
            ? new LeaseGuard(Clock, TimeSpan.FromDays(3650), TimeSpan.Zero)
            : new LeaseGuard(Clock, options.Session.Ttl, options.Session.LeaseGuardMargin);
        Host = new ComponentHost(Roles.RootCoord, NullLoggerFactory.Instance, Clock);
        Service = new SimService(this, world);
        slotParts.Clock.Current = Clock;
        var settings = new CoordinatorActorSettings
        {
            Etcd = slotParts.Etcd,
            Layout = world.Layout,
            Host = Host,
            Options = new CoordinatorsOptions { Session = options.Session },
            Guard = Guard,
            Service = Service,
            Store = new ModelElectionStore(this, world.Net, world.Etcd, world.Loop),
        };
        Actor = world.System.ActorOf(CoordinatorActor.Props(settings).WithDispatcher(slotParts.DispatcherId));
        world.Loop.Trace($"p{Id} started in slot {slot}, clock drift {driftPpm} ppm");
        Build();
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

    public IActorRef Actor { get; }

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

    /// <summary>Releases the actor's held messages and timers, then (a moment later, as another thread would) the session's.</summary>
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

    /// <summary>A clean stop, as ShutdownSession: the coordinator resigns, then the lease is revoked, then the process exits.</summary>
    public void Stop()
    {
        _world.Loop.Trace($"p{Id} stopping cleanly");
        if (_gate.Paused)
        {
            Resume();
        }
        _world.Reply(Actor, Resign.Instance, _ =>
        {
            if (!Alive)
            {
                return;
            }
            _generation++;
            Guard.Reset();
            var lease = _leaseId;
            if (lease != 0)
            {
                _world.Observe(_world.Net.Call(this, "revoke", () =>
                {
                    _world.Etcd.Revoke(lease, "revoked");
                    return true;
                }), _ => { }, _ => { });
            }
            _world.Loop.Trace($"p{Id} exited after resigning");
            End();
        });
    }

    private void End()
    {
        Alive = false;
        _held.Clear();
        _world.System.Stop(Actor);
        // A paused mailbox must run to process the stop; its held messages then go nowhere.
        _gate.Resume();
    }

    private void Build()
    {
        var generation = ++_generation;
        var sentAt = Clock.GetTimestamp();
        var grant = _world.Net.Call(this, "grant", () => _world.Etcd.Grant(_world.Options.Session.Ttl));
        _world.Observe(grant, lease =>
        {
            if (generation != _generation)
            {
                return;
            }
            _buildAttempt = 0;
            _leaseId = lease;
            Guard.Reset();
            Guard.Acknowledged(sentAt);
            _lastAckLocal = Clock.GetTimestamp();
            var session = new SessionInfo { ServerId = Id * 100 + generation, Role = Roles.RootCoord, Address = $"p{Id}", LeaseId = lease };
            _world.Loop.Trace($"p{Id} session {session.ServerId} established on lease {lease:x}");
            Actor.Tell(new SessionEstablished(session, _world.Etcd.Revision));
            ScheduleKeepAlive(generation);
        }, error =>
        {
            if (generation != _generation)
            {
                return;
            }
            _buildAttempt++;
            var delay = Math.Min(TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromMilliseconds(100).Ticks << Math.Min(_buildAttempt, 4));
            _world.Loop.Trace($"p{Id} session build failed ({error.GetType().Name}), retry in {delay / TimeSpan.TicksPerMillisecond} ms");
            _world.Loop.After(delay, () => Deliver(() =>
            {
                if (generation == _generation)
                {
                    Build();
                }
            }));
        });
    }

    private void ScheduleKeepAlive(int generation) =>
        _world.Loop.After(_world.Options.Session.KeepAliveInterval, () => Deliver(() => KeepAlive(generation)));

    private void KeepAlive(int generation)
    {
        if (generation != _generation)
        {
            return;
        }
        // SessionActor's ack deadline: no acknowledgement for a whole TTL means the session is gone.
        if (Clock.GetElapsedTime(_lastAckLocal) >= _world.Options.Session.Ttl)
        {
            Lose($"no keep-alive acknowledgement for {_world.Options.Session.Ttl.TotalSeconds:0.#}s");
            return;
        }
        var sentAt = Clock.GetTimestamp();
        var lease = _leaseId;
        _world.Observe(_world.Net.Call(this, "keep-alive", () => _world.Etcd.KeepAlive(lease)), ttl =>
        {
            if (generation != _generation)
            {
                return;
            }
            if (ttl <= 0)
            {
                Lose("keep-alive ended: lease expired (TTL <= 0)");
                return;
            }
            Guard.Acknowledged(sentAt);
            _lastAckLocal = Math.Max(_lastAckLocal, Clock.GetTimestamp());
        }, _ => { });
        ScheduleKeepAlive(generation);
    }

    private void Lose(string reason)
    {
        _generation++;
        Guard.Reset();
        var lease = _leaseId;
        _leaseId = 0;
        _world.Loop.Trace($"p{Id} session lost: {reason}");
        Actor.Tell(new SessionLost(Id, lease, reason));
        _world.Observe(_world.Net.Call(this, "revoke", () =>
        {
            _world.Etcd.Revoke(lease, "revoked (abandoned)");
            return true;
        }), _ => { }, _ => { });
        var generation = _generation;
        _world.Loop.After(_world.Options.MinBackoff, () => Deliver(() =>
        {
            if (generation == _generation)
            {
                Build();
            }
        }));
    }
}
