namespace Coordinators.Simulation;

/// <summary>
/// A process's clock: virtual time at the process's drift rate (1 + ppm/10^6) from its start. It is computed from
/// the simulation's time on every read, so moving time costs nothing per process (a FakeTimeProvider would have to
/// be advanced at every step). Monotonic timestamps and wall time both follow it. Its timers (Task.Delay and
/// CancellationTokenSource timeouts of the session's code) are events of the loop, delivered through
/// <see cref="Deliver"/>: held while the process is paused, dropped once it is dead. The election's own timers run on
/// Akka's TestScheduler.
/// </summary>
internal sealed class DriftingClock(SimLoop loop, long driftPpm) : TimeProvider
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly long _startGlobal = loop.Now;
    private readonly long _startLocal = TimeSpan.FromDays(1).Ticks + loop.Now;

    public long DriftPpm => driftPpm;

    public SimLoop Loop => loop;

    /// <summary>How a timer's callback reaches the process; inline when unset.</summary>
    public Action<Action>? Deliver { get; set; }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _startLocal + (loop.Now - _startGlobal) + (loop.Now - _startGlobal) * driftPpm / 1_000_000;

    public override DateTimeOffset GetUtcNow() => Epoch + TimeSpan.FromTicks(GetTimestamp());

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new LoopTimer(this, callback, state, dueTime, period);

    /// <summary>Virtual ticks that pass while this clock moves by <paramref name="local"/>.</summary>
    private long ToGlobal(TimeSpan local) => local.Ticks * 1_000_000 / (1_000_000 + driftPpm);

    /// <summary>A timer as one pending loop event; a change or dispose makes the pending event a no-op (its version is stale).</summary>
    private sealed class LoopTimer : ITimer
    {
        private readonly DriftingClock _clock;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        // Bumped by every change: only the event of the current version fires.
        private int _version;
        private bool _disposed;

        public LoopTimer(DriftingClock clock, TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _clock = clock;
            _callback = callback;
            _state = state;
            Change(dueTime, period);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (_disposed)
            {
                return false;
            }
            var version = ++_version;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                _clock.Loop.After(_clock.ToGlobal(dueTime), () => Fire(version, period));
            }
            return true;
        }

        private void Fire(int version, TimeSpan period)
        {
            if (version != _version || _disposed)
            {
                return;
            }
            if (period != Timeout.InfiniteTimeSpan && period > TimeSpan.Zero)
            {
                Change(period, period);
            }
            var deliver = _clock.Deliver ?? (a => a());
            deliver(() =>
            {
                if (!_disposed)
                {
                    _callback(_state);
                }
            });
        }

        public void Dispose() => _disposed = true;

        public ValueTask DisposeAsync()
        {
            _disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>
/// The clock of whichever process runs in a slot now: the options carrier (an EtcdClient that never connects) is made
/// once per slot, and only its clock moves to the next process.
/// </summary>
internal sealed class SlotClock : TimeProvider
{
    public TimeProvider Current { get; set; } = System;

    public override long TimestampFrequency => Current.TimestampFrequency;

    public override long GetTimestamp() => Current.GetTimestamp();

    public override DateTimeOffset GetUtcNow() => Current.GetUtcNow();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        Current.CreateTimer(callback, state, dueTime, period);
}
