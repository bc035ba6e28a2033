using System.Globalization;
using Akka.Actor;
using Akka.TestKit;
using Coordinators.Actors.Model;

namespace Coordinators.Simulation;

/// <summary>
/// One seed's world: the model etcd, the network, the processes of the role in their slots, the fault injector and
/// the invariants, checked after every step. A step moves virtual time to the next event (at most a quantum on),
/// advances every process's clock at its drift rate and Akka's TestScheduler, then runs the events due.
/// </summary>
internal sealed partial class SimWorld
{
    private readonly Simulator _simulator;
    private readonly SimProcess?[] _slots;
    private int _nextId = 1;
    private (int Id, long Term) _lastPrimary;
    private long _maxTerm;
    private int _failovers;
    private long _steps;
    private string? _violation;
    private bool _injecting = true;
    // How far Akka's TestScheduler was advanced (ticks since the seed started).
    private long _schedulerAt;

    public SimWorld(Simulator simulator, int seed, SimulationOptions options)
    {
        _simulator = simulator;
        Seed = seed;
        Options = options;
        Loop = new SimLoop(seed, options.TraceLines, options.TraceSink);
        Layout = new EtcdLayout("/sim");
        Etcd = new ModelEtcd(Loop, Layout.ElectionPrefix(Roles.RootCoord)) { FenceDisabled = options.FenceDisabled };
        Etcd.Violation = Violate;
        Net = new SimNetwork(Loop, Etcd) { Rates = options.Rates };
        _slots = new SimProcess?[options.Processes];
    }

    public int Seed { get; }

    public SimulationOptions Options { get; }

    public SimLoop Loop { get; }

    public EtcdLayout Layout { get; }

    public ModelEtcd Etcd { get; }

    public SimNetwork Net { get; }

    public ActorSystem System => _simulator.System;

    private TestScheduler Scheduler => (TestScheduler)System.Scheduler;

    /// <summary>Tells <paramref name="target"/> <paramref name="message"/> and runs <paramref name="onReply"/> with its reply.</summary>
    public void Reply(IActorRef target, object message, Action<object> onReply) => _simulator.Reply(target, message, onReply);

    public SimulationResult Run()
    {
        Loop.Trace($"seed {Seed}: {Options.Processes} processes, ttl {Options.Session.Ttl.TotalSeconds}s, guard {(Options.GuardDisabled ? "OFF" : "on")}, fence {(Options.FenceDisabled ? "OFF" : "on")}");
        Every(TimeSpan.FromMilliseconds(500), Etcd.Tick);
        Every(TimeSpan.FromSeconds(5), () => Etcd.Compact(keepLast: 20));
        for (var slot = 0; slot < _slots.Length; slot++)
        {
            var s = slot;
            Loop.After(Loop.Between(TimeSpan.Zero, TimeSpan.FromMilliseconds(200)), () => StartIn(s));
        }
        Loop.After(Loop.Between(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)), InjectFault);
        var limit = TimeSpan.FromSeconds(30).Ticks * Math.Max(1, Options.Failovers);
        while (_violation is null && _failovers < Options.Failovers && Loop.Now < limit)
        {
            Step();
        }
        if (_violation is null && _failovers < Options.Failovers)
        {
            Violate($"only {_failovers} failovers in {TimeSpan.FromTicks(limit).TotalSeconds:0} virtual seconds");
        }
        // Faults go on for a random while, so they stop at any point of a failover, not just after one.
        var faultsEnd = Loop.Now + Loop.Between(TimeSpan.Zero, TimeSpan.FromSeconds(3));
        while (_violation is null && Loop.Now < faultsEnd)
        {
            Step();
        }
        var recovery = _violation is null ? Quiet() : TimeSpan.Zero;
        foreach (var p in _slots)
        {
            if (p is { Alive: true })
            {
                p.Crash();
            }
        }
        var report = _violation is null ? null : Report();
        return new SimulationResult(Seed, _failovers, _steps, _violation is null ? 0 : 1, Loop.TraceHash(), report,
            TimeSpan.FromTicks(Loop.Now), recovery, Etcd.FencedWrites);
    }

    private void Every(TimeSpan interval, Action action) =>
        Loop.After(interval, () =>
        {
            action();
            Every(interval, action);
        });

    private void Step()
    {
        var target = Math.Min(Loop.NextEventTime, Loop.Now + Options.Quantum.Ticks);
        Loop.MoveTo(target);
        // Akka's timers advance on a grid (the processes' clocks follow the loop's time by themselves).
        var grid = Options.TimerGrid.Ticks;
        var due = target / grid * grid;
        if (due > _schedulerAt)
        {
            Scheduler.Advance(TimeSpan.FromTicks(due - _schedulerAt));
            _schedulerAt = due;
        }
        Loop.RunDue();
        if (Loop.ForeignThread is { } foreign)
        {
            throw new InvalidOperationException($"the simulation left its thread at seed {Seed}, step {_steps}: {foreign}");
        }
        _steps++;
        Check();
    }

    /// <summary>The safety invariants, after every step.</summary>
    private void Check()
    {
        SimProcess? primary = null;
        foreach (var p in _slots)
        {
            if (p is null || !p.BelievesPrimary || !p.Guard.IsValid)
            {
                continue;
            }
            if (primary is not null)
            {
                Violate($"two processes believe they are primary with a valid lease guard: p{primary.Id} (term {primary.Term}) and p{p.Id} (term {p.Term}); etcd's leader has term {Etcd.Leader().Term}");
                return;
            }
            primary = p;
        }
        if (primary is null || (primary.Id, primary.Term) == _lastPrimary)
        {
            return;
        }
        if (primary.Term < _maxTerm)
        {
            Violate($"p{primary.Id} serves term {primary.Term} after term {_maxTerm} was served: terms went back");
            return;
        }
        if (_lastPrimary.Term != 0 && primary.Term != _lastPrimary.Term)
        {
            _failovers++;
        }
        Loop.Trace($"p{primary.Id} is primary, term {primary.Term} (failover {_failovers})");
        _lastPrimary = (primary.Id, primary.Term);
        _maxTerm = primary.Term;
    }

    private void Violate(string what)
    {
        if (_violation is not null)
        {
            return;
        }
        _violation = what;
        Loop.Trace("VIOLATION " + what);
    }

    private string Report()
    {
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"VIOLATION seed={Seed} step={_steps} at {TimeSpan.FromTicks(Loop.Now).TotalMilliseconds:0.###} ms: {_violation}"),
            $"replay: coordinators simulate --seed {Seed} --failovers {Options.Failovers} --processes {Options.Processes}"
                + (Options.GuardDisabled ? " --no-lease-guard" : "") + (Options.FenceDisabled ? " --no-fence" : ""),
            $"last {Loop.RecentLines.Count} events:",
        };
        lines.AddRange(Loop.RecentLines.Select(l => "  " + l));
        return string.Join(Environment.NewLine, lines);
    }
}
