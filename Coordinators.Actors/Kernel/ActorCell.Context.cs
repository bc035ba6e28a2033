using System.Globalization;

namespace Coordinators.Actors.Kernel;

/// <summary>The <see cref="IActorContext"/> side of a cell: children, death watch and stash.</summary>
internal sealed partial class ActorCell : IActorContext
{
    // Living children by name; locked because ActorSystem.Terminate and Children snapshots may read it.
    private readonly Dictionary<string, LocalActorRef> _children = new(StringComparer.Ordinal);

    // Counter for generated child names ($a, $b, ...).
    private long _nextChildId;

    // Guards _watchers and _watchersClosed: watchers register from their own threads.
    private readonly Lock _watchLock = new();

    // Who is told when this actor stops; closed (no more additions) once it has.
    private readonly HashSet<IActorRef> _watchers = [];
    private bool _watchersClosed;

    // Whom this actor watches; a DeathWatchNotification from anyone else (e.g. after Unwatch) is dropped. Actor thread only.
    private readonly HashSet<IActorRef> _watching = [];

    // Stashed messages in arrival order. Actor thread only.
    private List<Envelope>? _stash;

    // Messages returned by UnstashAll, handled before the mailbox. Actor thread only.
    private LinkedList<Envelope>? _unstashed;

    public IActorRef Self => SelfRef;

    public IActorRef Sender => _current.Sender ?? _system.DeadLetters;

    public IActorRef Parent => _parent?.SelfRef ?? SelfRef;

    public ActorSystem System => _system;

    public IReadOnlyCollection<IActorRef> Children => ChildrenSnapshot();

    private int ChildCount
    {
        get
        {
            lock (_children)
            {
                return _children.Count;
            }
        }
    }

    public IActorRef? Child(string name)
    {
        lock (_children)
        {
            return _children.GetValueOrDefault(name);
        }
    }

    public IActorRef ActorOf(Props props, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(props);
        LocalActorRef child;
        lock (_children)
        {
            if (name is null)
            {
                do
                {
                    name = "$" + (++_nextChildId).ToString(CultureInfo.InvariantCulture);
                }
                while (_children.ContainsKey(name));
            }
            else
            {
                ValidateName(name);
                if (_children.ContainsKey(name))
                {
                    throw new InvalidActorNameException($"actor name [{name}] is not unique under {Path}");
                }
            }
            var cell = new ActorCell(_system, props, this, name, Path + "/" + name);
            child = cell.SelfRef;
            _children.Add(name, child);
        }
        child.Cell.SendSystem(CreateMessage.Instance);
        return child;
    }

    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor is LocalActorRef local)
        {
            local.Cell.SendSystem(TerminateMessage.Instance);
        }
    }

    public IActorRef Watch(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor is not IWatchable watchable)
        {
            throw new NotSupportedException($"{actor} cannot be watched");
        }
        if (_watching.Add(actor))
        {
            watchable.AddWatcher(SelfRef);
        }
        return actor;
    }

    public IActorRef Unwatch(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (_watching.Remove(actor) && actor is IWatchable watchable)
        {
            watchable.RemoveWatcher(SelfRef);
        }
        return actor;
    }

    public void Forward(IActorRef target, object message)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Tell(message, _current.Sender);
    }

    /// <summary>Registers a watcher, or tells it at once when this actor is already dead. From any thread.</summary>
    public void AddWatcher(IActorRef watcher)
    {
        lock (_watchLock)
        {
            if (!_watchersClosed)
            {
                _watchers.Add(watcher);
                return;
            }
        }
        watcher.Tell(new DeathWatchNotification(SelfRef));
    }

    public void RemoveWatcher(IActorRef watcher)
    {
        lock (_watchLock)
        {
            _watchers.Remove(watcher);
        }
    }

    internal void StashCurrent()
    {
        (_stash ??= []).Add(_current);
    }

    internal void UnstashAll()
    {
        if (_stash is not { Count: > 0 } stash)
        {
            return;
        }
        _unstashed ??= new LinkedList<Envelope>();
        // Insert before anything unstashed earlier but not yet handled, keeping the stash's own order.
        var anchor = _unstashed.First;
        foreach (var envelope in stash)
        {
            if (anchor is null)
            {
                _unstashed.AddLast(envelope);
            }
            else
            {
                _unstashed.AddBefore(anchor, envelope);
            }
        }
        stash.Clear();
    }

    internal void PublishUnhandled(object message)
    {
        KernelLog.Unhandled(_system.Logger, Path, message.GetType().Name);
        _system.EventStream.Publish(new UnhandledMessage(message, _current.Sender, SelfRef));
    }

    private static void ValidateName(string name)
    {
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name[0] == '$')
        {
            throw new InvalidActorNameException($"invalid actor name [{name}]: it must be non-empty, contain no '/' and not start with '$'");
        }
    }

    private List<LocalActorRef> ChildrenSnapshot()
    {
        lock (_children)
        {
            return [.. _children.Values];
        }
    }

    private bool HasChild(ActorCell child)
    {
        lock (_children)
        {
            return _children.TryGetValue(child.Name, out var current) && current.Cell == child;
        }
    }

    private void RemoveChild(ActorCell child)
    {
        lock (_children)
        {
            if (_children.TryGetValue(child.Name, out var current) && current.Cell == child)
            {
                _children.Remove(child.Name);
            }
        }
    }

    private void NotifyWatchers()
    {
        IActorRef[] watchers;
        lock (_watchLock)
        {
            _watchersClosed = true;
            watchers = [.. _watchers];
            _watchers.Clear();
        }
        foreach (var watcher in watchers)
        {
            watcher.Tell(new DeathWatchNotification(SelfRef));
        }
    }

    private void UnwatchAll()
    {
        foreach (var watched in _watching)
        {
            if (watched is IWatchable watchable)
            {
                watchable.RemoveWatcher(SelfRef);
            }
        }
        _watching.Clear();
    }

    private void StashToDeadLetters()
    {
        UnstashAll();
        if (_unstashed is null)
        {
            return;
        }
        foreach (var envelope in _unstashed)
        {
            _system.PublishDeadLetter(envelope.Message, envelope.Sender, SelfRef);
        }
        _unstashed.Clear();
    }
}
