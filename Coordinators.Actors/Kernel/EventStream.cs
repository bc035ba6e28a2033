using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Kernel;

/// <summary>
/// A system-wide publish/subscribe channel for kernel events such as <see cref="DeadLetter"/> and
/// <see cref="UnhandledMessage"/>. Subscribers receive events of the type they subscribed to and its subtypes.
/// </summary>
public sealed class EventStream
{
    private readonly ILogger _logger;
    private readonly Lock _lock = new();

    // Copy-on-write so Publish reads without locking.
    private volatile Subscription[] _subscriptions = [];

    internal EventStream(ILogger logger) => _logger = logger;

    /// <summary>Tells <paramref name="subscriber"/> every event of type <typeparamref name="T"/> until the returned handle is disposed.</summary>
    public IDisposable Subscribe<T>(IActorRef subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        return Add(new Subscription(typeof(T), e => subscriber.Tell(e)));
    }

    /// <summary>
    /// Calls <paramref name="handler"/> for every event of type <typeparamref name="T"/> until the returned handle is
    /// disposed. The handler runs on the publishing thread and must be quick and thread-safe; its exceptions are logged.
    /// </summary>
    public IDisposable Subscribe<T>(Action<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new Subscription(typeof(T), e => handler((T)e)));
    }

    /// <summary>Delivers <paramref name="event"/> to the matching subscribers.</summary>
    public void Publish(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        foreach (var subscription in _subscriptions)
        {
            if (subscription.Type.IsInstanceOfType(@event))
            {
                try
                {
                    subscription.Deliver(@event);
                }
                catch (Exception ex)
                {
                    KernelLog.SubscriberFailed(_logger, ex, @event.GetType().Name);
                }
            }
        }
    }

    private Subscription Add(Subscription subscription)
    {
        subscription.Owner = this;
        lock (_lock)
        {
            _subscriptions = [.. _subscriptions, subscription];
        }
        return subscription;
    }

    private void Remove(Subscription subscription)
    {
        lock (_lock)
        {
            _subscriptions = [.. _subscriptions.Where(s => s != subscription)];
        }
    }

    private sealed class Subscription(Type type, Action<object> deliver) : IDisposable
    {
        public Type Type { get; } = type;

        public Action<object> Deliver { get; } = deliver;

        public EventStream? Owner { get; set; }

        public void Dispose() => Owner?.Remove(this);
    }
}
