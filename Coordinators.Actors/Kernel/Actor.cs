using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Kernel;

/// <summary>
/// Base class of every actor. Register handlers in the constructor with <see cref="Receive{T}(Action{T})"/>,
/// <see cref="ReceiveAsync{T}(Func{T, Task})"/> and <see cref="ReceiveAny"/>; switch them later with
/// <see cref="Become"/>. The kernel calls handlers one message at a time, so an actor's fields need no locks.
/// </summary>
/// <remarks>
/// Instances are made only by the kernel from <see cref="Props"/> (<c>ActorOf</c>); constructing one with
/// <c>new</c> elsewhere throws. <see cref="Context"/> is a plain reference to the actor's cell, not an
/// ambient thread-static, so it stays valid after an <c>await</c> inside a <see cref="ReceiveAsync{T}(Func{T, Task})"/>
/// handler. Use it only from the actor's own handlers and lifecycle hooks, never from another thread or a
/// task the actor did not await; results of such work come back as messages (see <see cref="PipeToExtensions"/>).
/// </remarks>
public abstract class Actor
{
    private readonly ActorCell _cell;

    // Behaviour stack; the bottom is the one built by the constructor. Never empty.
    private readonly List<Behavior> _behaviors = [new Behavior()];

    // Where Receive* calls add handlers: the constructor's behaviour, or the one a Become is building.
    private Behavior? _configuring;

    /// <summary>Binds the instance to the cell that is creating it.</summary>
    protected Actor()
    {
        _cell = ActorCell.Constructing
            ?? throw new InvalidOperationException($"{GetType().Name} must be created by ActorOf from Props, not with new");
        _configuring = _behaviors[0];
    }

    /// <summary>The actor's context: self, sender, parent, children, watch, logging.</summary>
    protected IActorContext Context => _cell;

    /// <summary>This actor's own reference; pass it as the sender when telling others.</summary>
    protected IActorRef Self => _cell.Self;

    /// <summary>The sender of the message being handled (valid across awaits in an async handler).</summary>
    protected IActorRef Sender => _cell.Sender;

    /// <summary>Keyed timers that send messages to this actor; all are cancelled when it stops or restarts.</summary>
    protected ITimerScheduler Timers => _cell.Timers;

    /// <summary>A logger whose entries carry this actor's path.</summary>
    protected ILogger Log => _cell.Log;

    internal Behavior CurrentBehavior => _behaviors[^1];

    /// <summary>Handles messages of type <typeparamref name="T"/>.</summary>
    protected void Receive<T>(Action<T> handler) => Configuring().Add(new SyncHandler<T>(null, handler));

    /// <summary>Handles messages of type <typeparamref name="T"/> for which <paramref name="predicate"/> is true.</summary>
    protected void Receive<T>(Predicate<T> predicate, Action<T> handler) => Configuring().Add(new SyncHandler<T>(predicate, handler));

    /// <summary>
    /// Handles messages of type <typeparamref name="T"/> asynchronously: the mailbox waits until the returned
    /// task completes before the next message (or a stop request) is processed, so the handler keeps exclusive
    /// use of the actor's state across its awaits. A faulted or cancelled task is a failure handled by the supervisor.
    /// Long waits on I/O block the actor; prefer <see cref="PipeToExtensions"/> when other messages must keep flowing.
    /// </summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler) => Configuring().Add(new AsyncHandler<T>(null, handler));

    /// <summary>Like <see cref="ReceiveAsync{T}(Func{T, Task})"/>, for messages matching <paramref name="predicate"/>.</summary>
    protected void ReceiveAsync<T>(Predicate<T> predicate, Func<T, Task> handler) => Configuring().Add(new AsyncHandler<T>(predicate, handler));

    /// <summary>Handles every message no earlier handler took; register it last.</summary>
    protected void ReceiveAny(Action<object> handler) => Configuring().Add(new SyncHandler<object>(null, handler));

    /// <summary>
    /// Replaces the current behaviour with the handlers registered by <paramref name="configure"/>
    /// (which calls Receive*). Takes effect from the next message.
    /// </summary>
    protected void Become(Action configure)
    {
        var behavior = Build(configure);
        _behaviors[^1] = behavior;
    }

    /// <summary>Pushes a new behaviour on top of the current one; <see cref="Unbecome"/> returns to the one below.</summary>
    protected void BecomeStacked(Action configure) => _behaviors.Add(Build(configure));

    /// <summary>Pops the behaviour pushed by the last <see cref="BecomeStacked"/>; the constructor's behaviour is never popped.</summary>
    protected void Unbecome()
    {
        if (_behaviors.Count > 1)
        {
            _behaviors.RemoveAt(_behaviors.Count - 1);
        }
    }

    /// <summary>Sets the message being handled aside; <see cref="UnstashAll"/> puts stashed messages back in front of the mailbox, in their original order.</summary>
    protected void Stash() => _cell.StashCurrent();

    /// <summary>Returns every stashed message to the front of the mailbox, oldest first.</summary>
    protected void UnstashAll() => _cell.UnstashAll();

    /// <summary>Called after the instance is created and before its first message. An exception here stops the actor.</summary>
    protected virtual void PreStart()
    {
    }

    /// <summary>Called once after the actor stopped processing messages; its children have stopped already.</summary>
    protected virtual void PostStop()
    {
    }

    /// <summary>
    /// Called on the failing instance before a restart. The default stops all children and calls <see cref="PostStop"/>.
    /// </summary>
    /// <param name="reason">The exception that caused the restart.</param>
    /// <param name="message">The message being handled when it failed, or null.</param>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in Context.Children)
        {
            Context.Stop(child);
        }
        PostStop();
    }

    /// <summary>Called on the fresh instance after a restart. The default calls <see cref="PreStart"/>; an exception here stops the actor.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>Called for a message no handler matched. The default publishes an <see cref="UnhandledMessage"/> and logs it at debug.</summary>
    protected virtual void Unhandled(object message) => _cell.PublishUnhandled(message);

    /// <summary>
    /// The strategy this actor applies to its children's failures, read once per instance. The default is the one in
    /// <see cref="Props.WithSupervisorStrategy"/>, else <see cref="Kernel.SupervisorStrategy.Default"/>.
    /// </summary>
    protected virtual SupervisorStrategy SupervisorStrategy() => Kernel.SupervisorStrategy.Default;

    internal void EndConstruction() => _configuring = null;

    // The hooks are protected so user overrides stay 'protected override' even in friend assemblies; the cell calls these.
    internal void InvokePreStart() => PreStart();

    internal void InvokePostStop() => PostStop();

    internal void InvokePreRestart(Exception reason, object? message) => PreRestart(reason, message);

    internal void InvokePostRestart(Exception reason) => PostRestart(reason);

    internal void InvokeUnhandled(object message) => Unhandled(message);

    internal SupervisorStrategy InvokeSupervisorStrategy() => SupervisorStrategy();

    private Behavior Configuring() =>
        _configuring ?? throw new InvalidOperationException("Receive* may be called only in the constructor or inside Become/BecomeStacked");

    private Behavior Build(Action configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var previous = _configuring;
        var behavior = new Behavior();
        _configuring = behavior;
        try
        {
            configure();
        }
        finally
        {
            _configuring = previous;
        }
        return behavior;
    }
}
