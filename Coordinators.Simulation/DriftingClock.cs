namespace Coordinators.Simulation;

/// <summary>
/// A process's clock: virtual time at the process's drift rate (1 + ppm/10^6) from its start. It is computed from
/// the simulation's time on every read, so moving time costs nothing per process (a FakeTimeProvider would have to
/// be advanced at every step). Monotonic timestamps and wall time both follow it; timers are not offered (the
/// election's timers run on Akka's TestScheduler).
/// </summary>
internal sealed class DriftingClock(SimLoop loop, long driftPpm) : TimeProvider
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly long _startGlobal = loop.Now;
    private readonly long _startLocal = TimeSpan.FromDays(1).Ticks + loop.Now;

    public long DriftPpm => driftPpm;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _startLocal + (loop.Now - _startGlobal) + (loop.Now - _startGlobal) * driftPpm / 1_000_000;

    public override DateTimeOffset GetUtcNow() => Epoch + TimeSpan.FromTicks(GetTimestamp());

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        throw new NotSupportedException("a simulated process's clock has no timers; Akka's TestScheduler drives the actors' timers");
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
