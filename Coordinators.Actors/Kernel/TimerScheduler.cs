namespace Coordinators.Actors.Kernel;

/// <summary>
/// The per-cell timer table. Timer callbacks run on timer threads and only post a stamped
/// <see cref="TimerFired"/> to the actor; the table itself is touched only by the actor's mailbox run,
/// which accepts a fired message only if its key still maps to the same generation.
/// </summary>
internal sealed class TimerScheduler(ActorCell cell) : ITimerScheduler
{
    private readonly Dictionary<object, Entry> _timers = [];

    // Grows for the cell's whole life (across restarts), so a stamp is never reused.
    private long _generation;

    public void StartSingleTimer(object key, object message, TimeSpan delay) => Start(key, message, delay, Timeout.InfiniteTimeSpan);

    public void StartPeriodicTimer(object key, object message, TimeSpan interval) => Start(key, message, interval, interval);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), "a periodic timer needs a positive interval");
        }
        Start(key, message, initialDelay, interval);
    }

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var entry))
        {
            entry.Timer.Dispose();
        }
    }

    public void CancelAll()
    {
        foreach (var entry in _timers.Values)
        {
            entry.Timer.Dispose();
        }
        _timers.Clear();
    }

    /// <summary>True when <paramref name="fired"/> comes from the live timer for its key; a single timer is then retired.</summary>
    public bool Accept(TimerFired fired)
    {
        if (!_timers.TryGetValue(fired.Key, out var entry) || entry.Generation != fired.Generation)
        {
            return false;
        }
        if (!entry.Periodic)
        {
            _timers.Remove(fired.Key);
            entry.Timer.Dispose();
        }
        return true;
    }

    private void Start(object key, object message, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        if (dueTime < TimeSpan.Zero)
        {
            dueTime = TimeSpan.Zero;
        }
        Cancel(key);
        var fired = new TimerFired(key, ++_generation, message);
        var timer = cell.Time.CreateTimer(static state => ((Callback)state!).Fire(), new Callback(cell.SelfRef, fired), dueTime, period);
        _timers[key] = new Entry(fired.Generation, timer, period != Timeout.InfiniteTimeSpan);
    }

    private readonly record struct Entry(long Generation, ITimer Timer, bool Periodic);

    private sealed class Callback(IActorRef self, TimerFired fired)
    {
        public void Fire() => self.Tell(fired);
    }
}
