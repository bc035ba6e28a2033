using Coordinators.Actors.Election.Services;
using Microsoft.Extensions.Time.Testing;

namespace Coordinators.Tests.Election.Services;

/// <summary>The timestamp oracle and the ID allocator on a fake clock, without etcd.</summary>
public sealed class AllocatorTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
    private readonly FakeTimeProvider _time = new(Start);

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    [Fact]
    public void Open_BoundAheadOfClock_WaitsUntilPastIt()
    {
        var oracle = new TimestampOracle(_time, TimeSpan.FromSeconds(3));
        var bound = NowMs + 1500;
        Assert.Equal(TimeSpan.FromMilliseconds(1501), oracle.WaitBeforeOpen(bound));
        Assert.Throws<InvalidOperationException>(() => oracle.Open(bound));
        _time.Advance(TimeSpan.FromMilliseconds(1501));
        Assert.Equal(TimeSpan.Zero, oracle.WaitBeforeOpen(bound));
        Assert.Equal(NowMs + 3000, oracle.Open(bound));
    }

    [Fact]
    public void TryAllocate_BeforeBoundPersisted_NeedsBoundAndHandsOutNothing()
    {
        var oracle = new TimestampOracle(_time, TimeSpan.FromSeconds(3));
        var persist = oracle.Open(0);
        Assert.Equal(AllocOutcome.NeedsBound, oracle.TryAllocate(1, out var first, out var needed));
        Assert.Equal(0UL, first);
        Assert.Equal(NowMs + 3000, needed);
        oracle.Raise(persist);
        Assert.Equal(AllocOutcome.Ok, oracle.TryAllocate(1, out first, out _));
        Assert.Equal((ulong)NowMs << TimestampOracle.LogicalBits, first);
    }

    [Fact]
    public void TryAllocate_SameMillisecond_LogicalCountsUpThenNextMillisecond()
    {
        var oracle = new TimestampOracle(_time, TimeSpan.FromSeconds(3));
        oracle.Raise(oracle.Open(0));
        var ms = (ulong)NowMs;
        Assert.Equal(AllocOutcome.Ok, oracle.TryAllocate(10, out var a, out _));
        Assert.Equal(AllocOutcome.Ok, oracle.TryAllocate(5, out var b, out _));
        Assert.Equal(ms << 18, a);
        Assert.Equal((ms << 18) + 10, b);
        // The rest of this millisecond's logical range cannot hold 262144: the oracle moves to the next millisecond.
        Assert.Equal(AllocOutcome.Ok, oracle.TryAllocate((int)TimestampOracle.LogicalRange, out var c, out _));
        Assert.Equal((ms + 1) << 18, c);
        Assert.Equal(AllocOutcome.Ok, oracle.TryAllocate(1, out var d, out _));
        Assert.Equal((ms + 2) << 18, d);
    }

    [Fact]
    public void TryAllocate_ClockGoesBack_NeverGoesBack()
    {
        // FakeTimeProvider refuses to go back; a wall clock (NTP step) does not.
        var clock = new SteppedClock(Start);
        var oracle = new TimestampOracle(clock, TimeSpan.FromSeconds(3));
        oracle.Raise(oracle.Open(0));
        clock.Now += TimeSpan.FromMilliseconds(500);
        Assert.Equal(AllocOutcome.Ok, oracle.TryAllocate(1, out var before, out _));
        clock.Now -= TimeSpan.FromMilliseconds(400);
        Assert.Equal(AllocOutcome.Ok, oracle.TryAllocate(1, out var after, out _));
        Assert.Equal(before + 1, after);
    }

    private sealed class SteppedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void TryAllocate_PastBound_NeedsBoundUntilRaised()
    {
        var oracle = new TimestampOracle(_time, TimeSpan.FromSeconds(3));
        oracle.Raise(oracle.Open(0));
        Assert.False(oracle.ShouldExtend(out _));
        _time.Advance(TimeSpan.FromMilliseconds(1600));
        Assert.True(oracle.ShouldExtend(out var next));
        Assert.Equal(NowMs + 3000, next);
        _time.Advance(TimeSpan.FromMilliseconds(1500));
        Assert.Equal(AllocOutcome.NeedsBound, oracle.TryAllocate(1, out _, out var needed));
        Assert.Equal(NowMs + 3000, needed);
        oracle.Raise(needed);
        Assert.Equal(AllocOutcome.Ok, oracle.TryAllocate(1, out var ts, out _));
        Assert.Equal((ulong)NowMs << 18, ts);
    }

    [Fact]
    public void Close_NothingMoreAndBoundCoversEverythingHandedOut()
    {
        var oracle = new TimestampOracle(_time, TimeSpan.FromSeconds(3));
        oracle.Raise(oracle.Open(0));
        Assert.Equal(AllocOutcome.Ok, oracle.TryAllocate(1, out var last, out _));
        var lowered = oracle.Close();
        Assert.True((ulong)lowered << 18 <= last && (ulong)(lowered + 1) << 18 > last);
        Assert.Equal(AllocOutcome.Closed, oracle.TryAllocate(1, out _, out _));

        // The next term opens above the lowered bound without waiting longer than a millisecond.
        var next = new TimestampOracle(_time, TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromMilliseconds(1), next.WaitBeforeOpen(lowered));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        next.Raise(next.Open(lowered));
        Assert.Equal(AllocOutcome.Ok, next.TryAllocate(1, out var first, out _));
        Assert.True(first > last);
    }

    [Fact]
    public void TimestampOracle_CountOutOfRange_Throws()
    {
        var oracle = new TimestampOracle(_time, TimeSpan.FromSeconds(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => oracle.TryAllocate(0, out _, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => oracle.TryAllocate((int)TimestampOracle.LogicalRange + 1, out _, out _));
    }

    [Fact]
    public void IdAllocator_BlocksBelowBound_NextTermStartsAtBound()
    {
        var ids = new IdAllocator(100);
        ids.Open(0);
        Assert.Equal(AllocOutcome.NeedsBound, ids.TryAllocate(1, out _, out var needed));
        Assert.Equal(102, needed);
        ids.Raise(needed);
        Assert.Equal(AllocOutcome.Ok, ids.TryAllocate(1, out var a, out _));
        Assert.Equal(AllocOutcome.Ok, ids.TryAllocate(100, out var b, out _));
        Assert.Equal((1, 2), (a, b));
        Assert.Equal(AllocOutcome.NeedsBound, ids.TryAllocate(1, out _, out needed));
        Assert.Equal(102 + 1 + 100, needed);

        // A crash leaves the persisted bound: the next term starts there, above everything handed out.
        var next = new IdAllocator(100);
        next.Open(ids.Bound);
        next.Raise(ids.Bound + 100);
        Assert.Equal(AllocOutcome.Ok, next.TryAllocate(1, out var c, out _));
        Assert.Equal(102, c);
        Assert.Equal(103, next.Close());
        Assert.Equal(AllocOutcome.Closed, next.TryAllocate(1, out _, out _));
    }
}
