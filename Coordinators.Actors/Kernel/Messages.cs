namespace Coordinators.Actors.Kernel;

/// <summary>
/// Stops the receiving actor once it reaches the front of the mailbox, so the messages sent before it
/// are still processed and the ones after it become dead letters.
/// </summary>
public sealed class PoisonPill
{
    /// <summary>The only instance.</summary>
    public static readonly PoisonPill Instance = new();

    private PoisonPill()
    {
    }

    /// <inheritdoc />
    public override string ToString() => "PoisonPill";
}

/// <summary>
/// Delivered to a watcher when an actor it watches has stopped (see <see cref="IActorContext.Watch"/>).
/// Also delivered at once when the watched actor was already dead at the time of the watch.
/// </summary>
/// <param name="ActorRef">The actor that stopped.</param>
public sealed record Terminated(IActorRef ActorRef);

/// <summary>
/// The failure of an asynchronous operation sent as a message: what <see cref="PipeToExtensions"/> sends
/// for a faulted or cancelled task, and a reply that makes an <see cref="AskExtensions.Ask{T}"/> throw
/// <see cref="Cause"/>.
/// </summary>
/// <param name="Cause">The exception the operation failed with.</param>
public sealed record Failure(Exception Cause);

/// <summary>An acknowledgement carrying no data, e.g. the default message piped for a completed non-generic task.</summary>
public sealed class Done
{
    /// <summary>The only instance.</summary>
    public static readonly Done Instance = new();

    private Done()
    {
    }

    /// <inheritdoc />
    public override string ToString() => "Done";
}

/// <summary>A message that could not be delivered because its recipient had stopped, published on the <see cref="EventStream"/>.</summary>
/// <param name="Message">The undelivered message.</param>
/// <param name="Sender">Who sent it, or null when sent without a sender.</param>
/// <param name="Recipient">The actor it was addressed to.</param>
public sealed record DeadLetter(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>A message that the recipient's current behaviour had no handler for, published on the <see cref="EventStream"/>.</summary>
/// <param name="Message">The unhandled message.</param>
/// <param name="Sender">Who sent it, or null when sent without a sender.</param>
/// <param name="Recipient">The actor that did not handle it.</param>
public sealed record UnhandledMessage(object Message, IActorRef? Sender, IActorRef Recipient);
