namespace Coordinators.Actors.Kernel;

/// <summary>The system's dead-letter reference: anything told to it is published as a <see cref="DeadLetter"/>.</summary>
internal sealed class DeadLetterActorRef(ActorSystem system) : IActorRef
{
    public string Path => "/deadLetters";

    public string Name => "deadLetters";

    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message is DeadLetter letter)
        {
            system.PublishDeadLetter(letter.Message, letter.Sender, letter.Recipient);
            return;
        }
        system.PublishDeadLetter(message, sender, this);
    }

    public override string ToString() => "DeadLetters";
}
