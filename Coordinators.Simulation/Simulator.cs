using System.Globalization;
using System.Runtime.ExceptionServices;
using Akka.Actor;
using Akka.Configuration;

namespace Coordinators.Simulation;

/// <summary>
/// Deterministic simulation of the election: the real <see cref="Coordinators.Actors.Sessions.SessionActor"/> and its
/// <see cref="Coordinators.Actors.Election.CoordinatorActor"/> of each simulated process on Akka's TestScheduler and a
/// calling-thread dispatcher, against a model etcd with seeded faults. One seed fixes every interleaving; <see cref="Run(int, SimulationOptions)"/> returns the summary
/// with a trace hash that is the same on every run. Not thread-safe: one run at a time per simulator.
/// </summary>
public sealed class Simulator : IDisposable
{
    private const string Hocon = """
        akka {
          loglevel = OFF
          stdout-loglevel = OFF
          log-dead-letters = off
          log-dead-letters-during-shutdown = off
          scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
          # Top-level actors are started by the guardian; on a thread-pool dispatcher that would happen on another
          # thread, later. Every dispatcher of the system runs on the calling thread: the simulator's.
          actor.default-dispatcher.type = "Akka.TestKit.CallingThreadDispatcherConfigurator, Akka.TestKit"
          actor.internal-dispatcher.type = "Akka.TestKit.CallingThreadDispatcherConfigurator, Akka.TestKit"
        }
        """;

    private readonly List<Slot> _slots = [];
    private readonly GatedDispatcher _replies;

    /// <summary>Creates the actor system every seed of this simulator runs in (seeds leave nothing behind in it).</summary>
    public Simulator()
    {
        System = ActorSystem.Create("simulation", ConfigurationFactory.ParseString(Hocon));
        _replies = Register(ReplyDispatcherId);
    }

    internal ActorSystem System { get; }

    private const string ReplyDispatcherId = "simulation-replies";

    internal static string DispatcherId(int slot) => "simulation-slot-" + slot.ToString(CultureInfo.InvariantCulture);

    /// <summary>What the processes of one slot share, one after another: a dispatcher, a clock that follows the process, the options carrier.</summary>
    internal sealed record Slot(string DispatcherId, GatedDispatcher Gate, SlotClock Clock, Coordinators.Actors.Etcd.EtcdClient Etcd);

    internal Slot SlotParts(int slot)
    {
        while (_slots.Count <= slot)
        {
            var id = DispatcherId(_slots.Count);
            var clock = new SlotClock();
            // The actors' settings want a client (the CoordinatorActor reads its clock); this one never connects.
            var etcd = new Coordinators.Actors.Etcd.EtcdClient(new Coordinators.Actors.Etcd.EtcdClientOptions { Endpoints = ["http://127.0.0.1:1"], TimeProvider = clock });
            _slots.Add(new Slot(id, Register(id), clock, etcd));
        }
        return _slots[slot];
    }

    private GatedDispatcher Register(string id)
    {
        var config = ConfigurationFactory.ParseString("throughput = 100").WithFallback(System.Dispatchers.DefaultDispatcherConfig);
        var configurator = new GatedDispatcherConfigurator(config, System.Dispatchers.Prerequisites);
        if (!System.Dispatchers.RegisterConfigurator(id, configurator))
        {
            throw new InvalidOperationException($"dispatcher {id} is already registered");
        }
        // Without a lookup first, an actor created with this id was seen to run on the default dispatcher.
        if (System.Dispatchers.Lookup(id) != configurator.Gated)
        {
            throw new InvalidOperationException($"dispatcher {id} does not resolve to the simulator's gated dispatcher");
        }
        return configurator.Gated;
    }

    /// <summary>Runs one seed.</summary>
    public SimulationResult Run(int seed, SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Processes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Processes, "the simulation needs at least one process (--processes)");
        }
        if (options.Failovers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Failovers, "the simulation needs at least one failover (--failovers)");
        }
        // Continuations of completed store calls must run inline on the simulation's thread (that is what makes a seed fix
        // every interleaving). .NET inlines them only without a SynchronizationContext (xunit's would post them elsewhere)
        // and only while the stack has room (RuntimeHelpers.TryEnsureSufficientExecutionStack): chains of inline
        // continuations and calling-thread mailboxes run deep, and on a test runner's thread one was seen to go to the
        // thread pool. So every seed runs on a thread of its own with a large stack, the same in tests and the CLI.
        SimulationResult? result = null;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                for (var slot = 0; slot < options.Processes; slot++)
                {
                    SlotParts(slot).Gate.Resume();
                }
                result = new SimWorld(this, seed, options).Run();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }, SimulationStackBytes)
        {
            Name = "simulation seed " + seed.ToString(CultureInfo.InvariantCulture),
            IsBackground = true,
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result!;
    }

    // Reserved, not committed: only what the deepest chain touches is used.
    private const int SimulationStackBytes = 256 * 1024 * 1024;

    internal void Reply(IActorRef target, object message, Action<object> onReply)
    {
        var replyTo = System.ActorOf(Props.Create(() => new ReplyActor(onReply)).WithDispatcher(ReplyDispatcherId));
        target.Tell(message, replyTo);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _replies.Resume();
        foreach (var slot in _slots)
        {
            slot.Etcd.Dispose();
        }
        System.Terminate().Wait(TimeSpan.FromSeconds(10));
        System.Dispose();
    }
}

/// <summary>Receives one reply, hands it to a callback on the simulator's thread, and stops.</summary>
internal sealed class ReplyActor : UntypedActor
{
    private readonly Action<object> _onReply;

    public ReplyActor(Action<object> onReply) => _onReply = onReply;

    protected override void OnReceive(object message)
    {
        _onReply(message);
        Context.Stop(Self);
    }
}
