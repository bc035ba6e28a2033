using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Coordinators.Actors.Kernel.Testing;

/// <summary>The reference of a <see cref="TestProbe"/>: messages go into a queue the test reads from.</summary>
internal sealed class ProbeRef(ActorSystem system, string path) : IActorRef, IWatchable, IHasSystem
{
    private readonly Lock _lock = new();
    private readonly HashSet<IActorRef> _watchers = [];
    private bool _stopped;

    public Channel<Envelope> Queue { get; } = Channel.CreateUnbounded<Envelope>();

    // Actors this probe watches; a notification from anyone else is dropped, like an actor's Unwatch.
    public ConcurrentDictionary<IActorRef, bool> Watching { get; } = new();

    public ActorSystem System { get; } = system;

    public string Path { get; } = path;

    public string Name => Path[(Path.LastIndexOf('/') + 1)..];

    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message is DeathWatchNotification notification)
        {
            if (!Watching.TryRemove(notification.ActorRef, out _))
            {
                return;
            }
            message = new Terminated(notification.ActorRef);
            sender = notification.ActorRef;
        }
        if (Volatile.Read(ref _stopped) || !Queue.Writer.TryWrite(new Envelope(message, sender)))
        {
            System.PublishDeadLetter(message, sender, this);
        }
    }

    public void AddWatcher(IActorRef watcher)
    {
        lock (_lock)
        {
            if (!_stopped)
            {
                _watchers.Add(watcher);
                return;
            }
        }
        watcher.Tell(new DeathWatchNotification(this));
    }

    public void RemoveWatcher(IActorRef watcher)
    {
        lock (_lock)
        {
            _watchers.Remove(watcher);
        }
    }

    public void Stop()
    {
        IActorRef[] watchers;
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }
            _stopped = true;
            watchers = [.. _watchers];
            _watchers.Clear();
        }
        Queue.Writer.TryComplete();
        foreach (var watcher in watchers)
        {
            watcher.Tell(new DeathWatchNotification(this));
        }
    }

    public override string ToString() => $"Probe[{Path}]";
}
