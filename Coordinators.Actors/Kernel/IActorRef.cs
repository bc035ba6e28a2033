namespace Coordinators.Actors.Kernel;

/// <summary>
/// A handle to an actor. Messages sent through it are queued in the actor's mailbox and processed
/// one at a time; the handle stays valid after the actor stops, and messages sent then become
/// dead letters. Two handles are equal when they point at the same actor incarnation.
/// </summary>
public interface IActorRef
{
    /// <summary>The actor's path, e.g. <c>/user/coordinator/session</c>; unique among living actors of a system.</summary>
    string Path { get; }

    /// <summary>The last segment of <see cref="Path"/>.</summary>
    string Name { get; }

    /// <summary>
    /// Queues <paramref name="message"/> for the actor without waiting. <paramref name="sender"/> is what
    /// the receiver sees as <see cref="IActorContext.Sender"/>; pass <c>Context.Self</c> from inside an
    /// actor, or null when nobody should receive a reply (replies then go to dead letters).
    /// </summary>
    void Tell(object message, IActorRef? sender = null);
}
