namespace Coordinators.Actors.Kernel;

/// <summary>A user message with its sender as queued in a mailbox.</summary>
internal readonly record struct Envelope(object Message, IActorRef? Sender);

/// <summary>Kernel-to-kernel messages; they overtake user messages and are processed even while the actor is suspended.</summary>
internal abstract class SystemMessage;

internal sealed class CreateMessage : SystemMessage
{
    public static readonly CreateMessage Instance = new();
}

internal sealed class TerminateMessage : SystemMessage
{
    public static readonly TerminateMessage Instance = new();
}

internal sealed class ResumeMessage : SystemMessage
{
    public static readonly ResumeMessage Instance = new();
}

internal sealed class RecreateMessage(Exception cause) : SystemMessage
{
    public Exception Cause { get; } = cause;
}

internal sealed class ChildTerminatedMessage(ActorCell child) : SystemMessage
{
    public ActorCell Child { get; } = child;
}

internal sealed class FailedMessage(ActorCell child, Exception cause) : SystemMessage
{
    public ActorCell Child { get; } = child;

    public Exception Cause { get; } = cause;
}

/// <summary>Queued as a user message to a watcher; the watcher turns it into <see cref="Terminated"/> if it still watches.</summary>
internal sealed record DeathWatchNotification(IActorRef ActorRef);

/// <summary>A timer's message, stamped so a stale one is dropped on arrival.</summary>
internal sealed record TimerFired(object Key, long Generation, object Message);

/// <summary>References that can be watched: actors and test probes.</summary>
internal interface IWatchable
{
    void AddWatcher(IActorRef watcher);

    void RemoveWatcher(IActorRef watcher);
}
