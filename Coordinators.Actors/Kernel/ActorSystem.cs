using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Kernel;

/// <summary>
/// A tree of actors sharing a clock, a logger factory, an event stream and dead letters. Top-level actors
/// are made with <see cref="ActorOf"/> and live under <c>/user</c>. <see cref="Terminate"/> stops every actor,
/// parents asking their children first, and completes when the last one has stopped.
/// </summary>
public sealed class ActorSystem : IAsyncDisposable
{
    private readonly ActorCell _guardian;
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _tempId;

    // 1 once Terminate was called: top-level ActorOf is refused from then on.
    private int _terminating;

    private ActorSystem(string name, ActorSystemOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (options.Throughput < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Throughput must be at least 1");
        }
        Name = name;
        Options = options;
        Logger = options.LoggerFactory.CreateLogger("Coordinators.Actors.Kernel.ActorSystem");
        EventStream = new EventStream(Logger);
        DeadLetters = new DeadLetterActorRef(this);
        _guardian = new ActorCell(this, Props.Create<GuardianActor>(), null, "user", "/user");
        _guardian.SendSystem(CreateMessage.Instance);
    }

    /// <summary>Creates and starts a system named <paramref name="name"/>.</summary>
    public static ActorSystem Create(string name, ActorSystemOptions? options = null) => new(name, options ?? new ActorSystemOptions());

    /// <summary>The system's name, used in logs.</summary>
    public string Name { get; }

    /// <summary>The clock that drives timers, Ask timeouts and restart windows.</summary>
    public TimeProvider TimeProvider => Options.TimeProvider;

    /// <summary>The factory actor loggers are made from.</summary>
    public ILoggerFactory LoggerFactory => Options.LoggerFactory;

    /// <summary>Kernel events: <see cref="DeadLetter"/>, <see cref="UnhandledMessage"/>.</summary>
    public EventStream EventStream { get; }

    /// <summary>A reference whose messages are published as <see cref="DeadLetter"/>; the sender seen by a message sent without one.</summary>
    public IActorRef DeadLetters { get; }

    /// <summary>Completes when every actor has stopped after <see cref="Terminate"/>.</summary>
    public Task WhenTerminated => _terminated.Task;

    internal ActorSystemOptions Options { get; }

    internal ILogger Logger { get; }

    /// <summary>Creates and starts a top-level actor. Without a name a unique one starting with '$' is chosen.</summary>
    /// <exception cref="InvalidActorNameException">The name is invalid or taken by a living top-level actor.</exception>
    /// <exception cref="InvalidOperationException">The system is terminating.</exception>
    public IActorRef ActorOf(Props props, string? name = null) =>
        Volatile.Read(ref _terminating) == 0
            ? _guardian.ActorOf(props, name)
            : throw new InvalidOperationException($"actor system {Name} is terminating; no new actors can be created");

    /// <summary>Asks <paramref name="actor"/> to stop after the message it is handling; its children stop first.</summary>
    public void Stop(IActorRef actor) => _guardian.Stop(actor);

    /// <summary>Stops every actor top-down and returns a task that completes when all have stopped.</summary>
    public Task Terminate()
    {
        Interlocked.Exchange(ref _terminating, 1);
        _guardian.SendSystem(TerminateMessage.Instance);
        return _terminated.Task;
    }

    /// <summary>Terminates the system and waits for it.</summary>
    public async ValueTask DisposeAsync() => await Terminate().ConfigureAwait(false);

    /// <inheritdoc />
    public override string ToString() => $"ActorSystem[{Name}]";

    internal string NextTempPath() => "/temp/$" + Interlocked.Increment(ref _tempId).ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal void OnGuardianStopped() => _terminated.TrySetResult();

    internal void PublishDeadLetter(object message, IActorRef? sender, IActorRef recipient)
    {
        switch (message)
        {
            case DeathWatchNotification or TimerFired:
                // Kernel bookkeeping for an actor that is gone: nobody can act on it, so it is not a dead letter.
                return;
            case DeadLetter:
                // A dead subscriber of dead letters must not loop.
                return;
        }
        if (Logger.IsEnabled(LogLevel.Debug))
        {
            KernelLog.DeadLetter(Logger, recipient.Path, message.GetType().Name, sender?.Path ?? "nobody");
        }
        EventStream.Publish(new DeadLetter(message, sender, recipient));
    }

    /// <summary>The parent of top-level actors; it applies the default strategy and never handles messages itself.</summary>
    private sealed class GuardianActor : Actor
    {
    }
}
