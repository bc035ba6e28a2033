using Akka.Event;

namespace Coordinators.Actors.Coordination;

/// <summary>
/// Every log event of <see cref="EtcdLease"/>, in one place. The lease lives inside an Akka.NET system, so it logs
/// through Akka's adapter (which Akka.Hosting forwards to Microsoft.Extensions.Logging) with message templates.
/// </summary>
internal static class EtcdLeaseLog
{
    public static void Acquired(this ILoggingAdapter log, string key, string owner, long term, long leaseId) =>
        log.Info("etcd lease {0} acquired by {1}: term {2}, etcd lease {3:x}", key, owner, term, leaseId);

    public static void Taken(this ILoggingAdapter log, string key, string owner, string holder) =>
        log.Debug("etcd lease {0} not acquired by {1}: held by {2}", key, owner, holder);

    public static void ReplacedOwnLease(this ILoggingAdapter log, string key, string owner, long oldLeaseId) =>
        log.Info("etcd lease {0} still held by {1} under an earlier etcd lease {2:x}; revoking it to take a new term", key, owner, oldLeaseId);

    public static void Lost(this ILoggingAdapter log, string key, string owner, long term, string reason) =>
        log.Warning("etcd lease {0} lost by {1} (term {2}): {3}", key, owner, term, reason);

    public static void Released(this ILoggingAdapter log, string key, string owner, long term, bool afterLoss) =>
        log.Info("etcd lease {0} released by {1} (term {2}{3})", key, owner, term, afterLoss ? ", after it was lost" : "");

    public static void ReleaseAfterLossFailed(this ILoggingAdapter log, string key, long leaseId, string error) =>
        log.Warning("etcd lease {0}: revoking etcd lease {1:x} after the loss failed ({2}); it expires by its TTL", key, leaseId, error);

    public static void RevokeFailed(this ILoggingAdapter log, string key, long leaseId, string error) =>
        log.Warning("etcd lease {0}: revoking etcd lease {1:x} failed ({2}); it expires by its TTL", key, leaseId, error);

    public static void CallbackFailed(this ILoggingAdapter log, string key, Exception error) =>
        log.Error(error, "etcd lease {0}: the lease-lost callback threw", key);

    public static void WatchResumed(this ILoggingAdapter log, string key, string error) =>
        log.Info("etcd lease {0}: watch of the key broke ({1}); the key is still ours, watching again", key, error);
}
