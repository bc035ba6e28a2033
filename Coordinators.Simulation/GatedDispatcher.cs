using Akka.Configuration;
using Akka.Dispatch;

namespace Coordinators.Simulation;

/// <summary>
/// Akka.TestKit's CallingThreadDispatcher with a gate: a mailbox runs on the thread that scheduled it (the
/// simulator's, so one seed fixes every interleaving), unless its process is paused; then the run is held and
/// released in order when the pause ends. Messages and timers of a paused process are held this way; nothing of it
/// runs until the simulator resumes it.
/// </summary>
internal sealed class GatedDispatcher(MessageDispatcherConfigurator configurator) : MessageDispatcher(configurator)
{
    private readonly Queue<IRunnable> _held = new();

    /// <summary>True while the process of this dispatcher is paused.</summary>
    public bool Paused { get; private set; }

    public void Pause() => Paused = true;

    /// <summary>Ends the pause and runs every held mailbox on the calling thread, in the order they were held.</summary>
    public void Resume()
    {
        Paused = false;
        while (!Paused && _held.TryDequeue(out var run))
        {
            run.Run();
        }
    }

    protected override void ExecuteTask(IRunnable run)
    {
        if (Paused)
        {
            _held.Enqueue(run);
            return;
        }
        run.Run();
    }

    protected override void Shutdown()
    {
        // Nothing to stop: no threads of our own.
    }
}

/// <summary>Hands out one <see cref="GatedDispatcher"/> (one simulated process slot).</summary>
internal sealed class GatedDispatcherConfigurator : MessageDispatcherConfigurator
{
    private readonly GatedDispatcher _dispatcher;

    public GatedDispatcherConfigurator(Config config, IDispatcherPrerequisites prerequisites)
        : base(config, prerequisites) => _dispatcher = new GatedDispatcher(this);

    public GatedDispatcher Gated => _dispatcher;

    public override MessageDispatcher Dispatcher() => _dispatcher;
}
