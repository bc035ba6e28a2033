namespace Coordinators.Actors.Etcd;

/// <summary>What a lease keep-alive reports: each acknowledgement, then at most one loss.</summary>
public abstract record LeaseKeepAliveEvent(long LeaseId);

/// <summary>
/// etcd renewed the lease. <see cref="SentTimestamp"/> is the monotonic time (<see cref="TimeProvider.GetTimestamp"/>)
/// at which the acknowledged request was sent: the lease is safe until SentTimestamp + Ttl.
/// </summary>
public sealed record LeaseAcknowledged(long LeaseId, long Ttl, long SentTimestamp, long ReceivedTimestamp) : LeaseKeepAliveEvent(LeaseId);

/// <summary>The lease is gone or can no longer be renewed; the keep-alive has stopped.</summary>
public sealed record LeaseLost(long LeaseId, LeaseLossReason Reason, string Detail, Exception? Error = null) : LeaseKeepAliveEvent(LeaseId);

/// <summary>Why a lease keep-alive stopped.</summary>
public enum LeaseLossReason
{
    /// <summary>etcd answered TTL &lt;= 0: the lease expired (or was revoked by another client).</summary>
    Expired,

    /// <summary>The lease was revoked through this client.</summary>
    Revoked,

    /// <summary>No member renewed the lease before its TTL ran out (stream broken, members down or paused).</summary>
    StreamBroken,
}
