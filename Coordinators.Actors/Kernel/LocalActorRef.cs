namespace Coordinators.Actors.Kernel;

/// <summary>The reference to one actor cell; one per actor incarnation, compared by identity.</summary>
internal sealed class LocalActorRef(ActorCell cell) : IActorRef, IWatchable
{
    public ActorCell Cell { get; } = cell;

    public string Path => Cell.Path;

    public string Name => Cell.Name;

    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        Cell.Post(new Envelope(message, sender));
    }

    public void AddWatcher(IActorRef watcher) => Cell.AddWatcher(watcher);

    public void RemoveWatcher(IActorRef watcher) => Cell.RemoveWatcher(watcher);

    public override string ToString() => $"Actor[{Path}]";
}
