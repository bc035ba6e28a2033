namespace Coordinators.Actors.Election.Services;

/// <summary>What an allocation attempt came to.</summary>
internal enum AllocOutcome
{
    /// <summary>Handed out.</summary>
    Ok,

    /// <summary>Nothing handed out: the persisted bound must first be raised to the value returned.</summary>
    NeedsBound,

    /// <summary>Nothing handed out: the term is not (or no longer) serving.</summary>
    Closed,
}

/// <summary>
/// rootcoord's timestamp oracle for one term, without I/O: hybrid timestamps (physical ms &lt;&lt; 18 | logical) that
/// only go up, never with a physical part above the persisted <see cref="Bound"/>. The service persists a bound a window
/// ahead before it raises <see cref="Bound"/> here; a new term opens strictly above the previous term's bound.
/// Thread-safe: every method takes the one lock.
/// </summary>
internal sealed class TimestampOracle(TimeProvider time, TimeSpan window)
{
    /// <summary>Bits of the logical counter.</summary>
    public const int LogicalBits = 18;

    /// <summary>Timestamps per physical millisecond.</summary>
    public const long LogicalRange = 1L << LogicalBits;

    private readonly Lock _lock = new();
    // Physical ms of the last timestamp handed out (or of the opening); never decreases.
    private long _physical;
    // Next logical counter within _physical.
    private long _logical;
    // Persisted upper bound of every physical part handed out in this term.
    private long _bound;
    // True between Open and Close.
    private bool _open;

    /// <summary>The bound the oracle may hand out up to (persisted).</summary>
    public long Bound { get { lock (_lock) { return _bound; } } }

    /// <summary>The physical part of the last timestamp handed out (or of the opening).</summary>
    public long Physical { get { lock (_lock) { return _physical; } } }

    /// <summary>How long to wait before <see cref="Open"/>: until the wall clock is past <paramref name="persistedBound"/>.</summary>
    public TimeSpan WaitBeforeOpen(long persistedBound)
    {
        var ahead = persistedBound + 1 - NowMs;
        return ahead > 0 ? TimeSpan.FromMilliseconds(ahead) : TimeSpan.Zero;
    }

    /// <summary>
    /// Opens a term above <paramref name="persistedBound"/> (the previous terms' bound); returns the bound to persist
    /// before anything can be handed out. Throws when the clock has not passed the bound yet (wait first).
    /// </summary>
    public long Open(long persistedBound)
    {
        lock (_lock)
        {
            var now = NowMs;
            if (now <= persistedBound)
            {
                throw new InvalidOperationException($"the clock ({now} ms) is not past the persisted timestamp bound {persistedBound} ms yet");
            }
            _physical = now;
            _logical = 0;
            _bound = persistedBound;
            _open = true;
            return now + WindowMs;
        }
    }

    /// <summary>Hands out <paramref name="count"/> consecutive timestamps starting at <paramref name="first"/>, or says why not.</summary>
    public AllocOutcome TryAllocate(int count, out ulong first, out long neededBound)
    {
        if (count is < 1 or > (int)LogicalRange)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"a timestamp request must ask for 1..{LogicalRange}");
        }
        first = 0;
        neededBound = 0;
        lock (_lock)
        {
            if (!_open)
            {
                return AllocOutcome.Closed;
            }
            var now = NowMs;
            if (now > _physical)
            {
                _physical = now;
                _logical = 0;
            }
            if (_logical + count > LogicalRange)
            {
                // This millisecond's logical range is used up: the next one (ahead of the clock by at most a little).
                _physical++;
                _logical = 0;
            }
            if (_physical > _bound)
            {
                neededBound = _physical + WindowMs;
                return AllocOutcome.NeedsBound;
            }
            first = (ulong)((_physical << LogicalBits) | _logical);
            _logical += count;
            return AllocOutcome.Ok;
        }
    }

    /// <summary>True when the bound is less than half a window ahead: time to persist the next one in the background.</summary>
    public bool ShouldExtend(out long nextBound)
    {
        lock (_lock)
        {
            var now = Math.Max(NowMs, _physical);
            nextBound = now + WindowMs;
            return _open && _bound - now < WindowMs / 2;
        }
    }

    /// <summary>Records a persisted bound (never lowers it while open).</summary>
    public void Raise(long persisted)
    {
        lock (_lock)
        {
            _bound = Math.Max(_bound, persisted);
        }
    }

    /// <summary>Stops handing out; returns a bound at or above every physical part handed out (safe to persist instead).</summary>
    public long Close()
    {
        lock (_lock)
        {
            _open = false;
            return _physical;
        }
    }

    private long WindowMs => Math.Max(1, (long)window.TotalMilliseconds);

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();
}
