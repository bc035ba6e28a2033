namespace Coordinators.Actors.Kernel;

/// <summary>One behaviour: the ordered handlers registered by the constructor or a Become call; the first match wins.</summary>
internal sealed class Behavior
{
    // Handlers in registration order; only appended to while the behaviour is being configured.
    private readonly List<Handler> _handlers = [];

    public void Add(Handler handler) => _handlers.Add(handler);

    /// <summary>Runs the first matching handler; <paramref name="pending"/> is the task of an async handler, if any.</summary>
    public bool TryInvoke(object message, out Task? pending)
    {
        var handlers = _handlers;
        for (var i = 0; i < handlers.Count; i++)
        {
            if (handlers[i].TryHandle(message, out pending))
            {
                return true;
            }
        }
        pending = null;
        return false;
    }
}

internal abstract class Handler
{
    public abstract bool TryHandle(object message, out Task? pending);
}

internal sealed class SyncHandler<T>(Predicate<T>? predicate, Action<T> action) : Handler
{
    public override bool TryHandle(object message, out Task? pending)
    {
        pending = null;
        if (message is T typed && (predicate is null || predicate(typed)))
        {
            action(typed);
            return true;
        }
        return false;
    }
}

internal sealed class AsyncHandler<T>(Predicate<T>? predicate, Func<T, Task> action) : Handler
{
    public override bool TryHandle(object message, out Task? pending)
    {
        if (message is T typed && (predicate is null || predicate(typed)))
        {
            pending = action(typed);
            return true;
        }
        pending = null;
        return false;
    }
}
