using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Kernel;

/// <summary>
/// What an actor knows about itself and its surroundings. It is handed to the actor explicitly
/// (<see cref="Actor.Context"/>), not read from a thread-static, so it remains correct after an await
/// inside an async handler. Call it only from the actor's own handlers and lifecycle hooks.
/// </summary>
public interface IActorContext
{
    /// <summary>This actor's reference.</summary>
    IActorRef Self { get; }

    /// <summary>
    /// The sender of the message being handled; the system's dead-letter reference when the message had no
    /// sender, so a reply never throws.
    /// </summary>
    IActorRef Sender { get; }

    /// <summary>The parent that supervises this actor (for a top-level actor, the system's user guardian).</summary>
    IActorRef Parent { get; }

    /// <summary>The system this actor belongs to.</summary>
    ActorSystem System { get; }

    /// <summary>A snapshot of the living children (including ones being stopped that have not finished).</summary>
    IReadOnlyCollection<IActorRef> Children { get; }

    /// <summary>A logger whose entries carry this actor's path.</summary>
    ILogger Log { get; }

    /// <summary>The child named <paramref name="name"/>, or null when there is none.</summary>
    IActorRef? Child(string name);

    /// <summary>Creates and starts a child supervised by this actor. Without a name a unique one starting with '$' is chosen.</summary>
    /// <exception cref="InvalidActorNameException">The name is invalid or a living child already has it.</exception>
    IActorRef ActorOf(Props props, string? name = null);

    /// <summary>
    /// Asks <paramref name="actor"/> (a child, or <see cref="Self"/>) to stop after the message it is handling;
    /// its mailbox's remaining messages become dead letters. Stopping is asynchronous: watch it to learn when it is done.
    /// </summary>
    void Stop(IActorRef actor);

    /// <summary>
    /// Watches <paramref name="actor"/>: this actor receives <see cref="Terminated"/> when it stops, or at once
    /// when it is already dead. Watching twice delivers one notification.
    /// </summary>
    IActorRef Watch(IActorRef actor);

    /// <summary>Stops watching <paramref name="actor"/>; no <see cref="Terminated"/> for it is delivered afterwards.</summary>
    IActorRef Unwatch(IActorRef actor);

    /// <summary>Sends <paramref name="message"/> to <paramref name="target"/> keeping the current <see cref="Sender"/> as its sender.</summary>
    void Forward(IActorRef target, object message);
}
