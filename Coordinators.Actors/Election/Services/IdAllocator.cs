namespace Coordinators.Actors.Election.Services;

/// <summary>
/// rootcoord's ID allocator for one term, without I/O: blocks of 64-bit IDs below a persisted bound. The service persists
/// a bound a block ahead before raising <see cref="Bound"/> here; a new term starts at the previous terms' bound, so no
/// ID is handed out twice. Thread-safe.
/// </summary>
internal sealed class IdAllocator(int block)
{
    private readonly Lock _lock = new();
    // The next ID to hand out.
    private long _next;
    // Persisted: every ID handed out is below it.
    private long _bound;
    private bool _open;

    /// <summary>The persisted bound the allocator hands out below.</summary>
    public long Bound { get { lock (_lock) { return _bound; } } }

    /// <summary>Opens a term at <paramref name="persistedBound"/> (IDs start at 1).</summary>
    public void Open(long persistedBound)
    {
        lock (_lock)
        {
            _next = Math.Max(1, persistedBound);
            _bound = _next;
            _open = true;
        }
    }

    /// <summary>Hands out <paramref name="count"/> IDs from <paramref name="first"/>, or says why not.</summary>
    public AllocOutcome TryAllocate(int count, out long first, out long neededBound)
    {
        if (count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "an ID request must ask for at least 1");
        }
        first = 0;
        neededBound = 0;
        lock (_lock)
        {
            if (!_open)
            {
                return AllocOutcome.Closed;
            }
            if (_next + count > _bound)
            {
                neededBound = _next + count + Math.Max(block, count);
                return AllocOutcome.NeedsBound;
            }
            first = _next;
            _next += count;
            return AllocOutcome.Ok;
        }
    }

    /// <summary>Records a persisted bound.</summary>
    public void Raise(long persisted)
    {
        lock (_lock)
        {
            _bound = Math.Max(_bound, persisted);
        }
    }

    /// <summary>Stops handing out; returns the lowest bound still above every ID handed out.</summary>
    public long Close()
    {
        lock (_lock)
        {
            _open = false;
            return _next;
        }
    }
}
