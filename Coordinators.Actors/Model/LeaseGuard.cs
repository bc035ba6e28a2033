namespace Coordinators.Actors.Model;

/// <summary>
/// The local lease guard: a primary may serve only while its last acknowledged keep-alive was
/// sent less than TTL minus a safety margin ago, measured on the monotonic clock. etcd counts
/// the TTL from when it received that request, which is after we sent it, so a guard that
/// expires first guarantees a paused or partitioned old primary stops before etcd can elect
/// a new one.
/// </summary>
public sealed class LeaseGuard
{
    private readonly TimeProvider _time;
    // Monotonic timestamp (TimeProvider.GetTimestamp) of the send time of the newest acknowledged keep-alive; 0 = none yet.
    private long _lastAckSentAt;

    /// <summary>Creates a guard for a lease of the given TTL, expiring <paramref name="margin"/> early.</summary>
    public LeaseGuard(TimeProvider time, TimeSpan ttl, TimeSpan margin)
    {
        if (margin >= ttl)
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, $"the lease guard margin must be below the TTL ({ttl})");
        }
        _time = time;
        Ttl = ttl;
        Margin = margin;
    }

    /// <summary>The lease TTL.</summary>
    public TimeSpan Ttl { get; }

    /// <summary>How much earlier than etcd the guard gives up.</summary>
    public TimeSpan Margin { get; }

    /// <summary>Records that a keep-alive request sent at <paramref name="sentAtTimestamp"/> was acknowledged.</summary>
    public void Acknowledged(long sentAtTimestamp)
    {
        // Keep the newest: acknowledgements of older requests may arrive late and must not move it back.
        long current;
        do
        {
            current = Volatile.Read(ref _lastAckSentAt);
            if (sentAtTimestamp <= current)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _lastAckSentAt, sentAtTimestamp, current) != current);
    }

    /// <summary>Forgets every acknowledgement: the guard refuses until the next one (session lost or new lease).</summary>
    public void Reset() => Volatile.Write(ref _lastAckSentAt, 0);

    /// <summary>Time left before the guard refuses; zero or negative when it already does.</summary>
    public TimeSpan Remaining
    {
        get
        {
            var sent = Volatile.Read(ref _lastAckSentAt);
            if (sent == 0)
            {
                return TimeSpan.Zero;
            }
            return Ttl - Margin - _time.GetElapsedTime(sent);
        }
    }

    /// <summary>True while the lease is certainly alive at etcd.</summary>
    public bool IsValid => Remaining > TimeSpan.Zero;
}
