namespace Coordinators.Actors.Config;

/// <summary>
/// The etcd session: a lease with a TTL kept alive periodically. The keep-alive interval and the
/// lease-guard margin default to fractions of the TTL, so changing only the TTL stays consistent.
/// </summary>
public sealed record SessionOptions
{
    private readonly TimeSpan? _keepAliveInterval;
    private readonly TimeSpan? _leaseGuardMargin;

    /// <summary>Lease TTL (<c>session.ttl</c>); at least 2 s, etcd's floor, and whole seconds. A crashed process is noticed within about one TTL.</summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the lease is renewed (<c>session.keep-alive-interval</c>); default TTL/10 in whole milliseconds, must stay
    /// below TTL/2. Not TTL/3 as etcd's own client: the lease guard counts from the newest acknowledged send, and etcd's
    /// re-election after losing its leader (~1.6 s) plus one period must fit in TTL minus the guard margin.
    /// </summary>
    public TimeSpan KeepAliveInterval
    {
        get => _keepAliveInterval ?? TimeSpan.FromMilliseconds(Math.Floor(Ttl.TotalMilliseconds / 10));
        init => _keepAliveInterval = value;
    }

    /// <summary>
    /// Local lease guard (<c>session.lease-guard-margin</c>): a primary stops serving once its last
    /// acknowledged keep-alive is older than TTL minus this margin, before etcd can expire the lease.
    /// Default <see cref="DefaultGuardMargin"/>.
    /// </summary>
    public TimeSpan LeaseGuardMargin
    {
        get => _leaseGuardMargin ?? DefaultGuardMargin(Ttl);
        init => _leaseGuardMargin = value;
    }

    /// <summary>
    /// The default guard margin for <paramref name="ttl"/>: TTL/10, at least 250 ms and at most 1 s. The guard counts
    /// from the send time of the newest acknowledged keep-alive, which etcd received later, so the margin does not have
    /// to cover the network; it covers the two clocks' rates and a request that passed the guard just before it
    /// closed. What it takes away is the room for etcd's re-election after losing its leader (1.0-1.9 s), which must fit
    /// in TTL minus the margin minus one keep-alive period: at TTL 3 s TTL/5 left 2.1 s, TTL/10 leaves 2.4 s.
    /// </summary>
    public static TimeSpan DefaultGuardMargin(TimeSpan ttl) =>
        TimeSpan.FromTicks(Math.Clamp(ttl.Ticks / 10, TimeSpan.FromMilliseconds(250).Ticks, TimeSpan.TicksPerSecond));
}
