using System.Globalization;
using System.Reflection;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Sessions;

/// <summary>
/// The etcd I/O of building one session, run off the actor thread: allocate a ServerID, grant a lease, start its
/// keep-alive, register the session key. The actor receives the outcome as a message.
/// </summary>
internal static class SessionBuilder
{
    private static readonly string Version =
        typeof(SessionBuilder).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static async Task<object> BuildAsync(int generation, SessionActorSettings settings, CancellationToken ct)
    {
        var etcd = settings.Etcd;
        var time = etcd.Options.TimeProvider;
        var serverId = await AllocateServerIdAsync(etcd, settings.Layout, ct).ConfigureAwait(false);
        var ttlSeconds = (long)Math.Ceiling(settings.Options.Session.Ttl.TotalSeconds);
        // etcd starts the TTL when it grants, which is after we send: the send time is a safe lower bound for the guard.
        var sentAt = time.GetTimestamp();
        var grant = await etcd.GrantLeaseAsync(ttlSeconds, ct).ConfigureAwait(false);
        LeaseKeepAlive? keepAlive = null;
        try
        {
            // Before any key goes on the lease: a crash after this point is revoked by the guard, not left to the TTL.
            settings.CrashGuard?.LeaseGranted(settings.Role, serverId, grant.ID);
            settings.Guard.Reset();
            settings.Guard.Acknowledged(sentAt);
            keepAlive = etcd.KeepAlive(grant.ID, settings.Options.Session.KeepAliveInterval, ct);
            var session = new SessionInfo
            {
                ServerId = serverId,
                Role = settings.Role,
                Address = settings.Host.Address,
                Http = settings.Host.HttpAddress,
                HostName = Environment.MachineName,
                Pid = Environment.ProcessId,
                GuardPid = settings.CrashGuard?.GuardPid ?? 0,
                Version = Version,
                LeaseId = grant.ID,
                StartedAt = time.GetUtcNow(),
            };
            var key = settings.Layout.SessionKey(settings.Role, serverId);
            var put = await etcd.Txn()
                .If(Cmp.CreateRevision(key) == 0)
                .Then(Op.Put(key, session.ToJson(), grant.ID))
                .CommitAsync(ct).ConfigureAwait(false);
            if (!put.Succeeded)
            {
                throw new InvalidOperationException($"session key {key} already exists; ServerID {serverId} was handed out twice");
            }
            return new SessionBuilt(generation, session, put.Header.Revision, keepAlive);
        }
        catch
        {
            if (keepAlive is not null)
            {
                await keepAlive.DisposeAsync().ConfigureAwait(false);
            }
            await RevokeQuietlyAsync(etcd, grant.ID).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Compare-and-increment of the counter: returns a ServerID no other process ever got.</summary>
    public static async Task<long> AllocateServerIdAsync(EtcdClient etcd, EtcdLayout layout, CancellationToken ct)
    {
        var key = layout.ServerIdCounter;
        // Start by assuming the counter is absent (ModRevision 0); a failed compare returns its current value.
        long modRevision = 0, current = 0;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var next = current + 1;
            var txn = await etcd.Txn()
                .If(Cmp.ModRevision(key) == modRevision)
                .Then(Op.Put(key, next.ToString(CultureInfo.InvariantCulture)))
                .Else(Op.Get(key))
                .CommitAsync(ct).ConfigureAwait(false);
            if (txn.Succeeded)
            {
                return next;
            }
            var kvs = txn.Responses[0].ResponseRange.Kvs;
            if (kvs.Count == 0)
            {
                modRevision = 0;
                current = 0;
                continue;
            }
            modRevision = kvs[0].ModRevision;
            current = long.Parse(kvs[0].Value.ToStringUtf8(), NumberStyles.None, CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"could not allocate a ServerID at {key}: too much contention");
    }

    /// <summary>
    /// Revokes a lease this process gave up locally (keep-alive lost, acknowledgement deadline, own key gone) while etcd
    /// may still hold it: etcd extends every lease when it elects a new leader, so an abandoned lease's candidate key
    /// would block the election queue for up to another TTL. Tries until etcd answers (revoked, or the lease is already
    /// gone), at most <paramref name="maxAttempts"/> times with backoff (100 ms doubling to 1 s), each attempt bounded by
    /// <paramref name="attemptTimeout"/>; every outcome is logged. Returns true when the lease is certainly gone.
    /// </summary>
    public static async Task<bool> RevokeAbandonedAsync(EtcdClient etcd, long leaseId, Microsoft.Extensions.Logging.ILogger log, string role, long serverId,
        int maxAttempts, TimeSpan attemptTimeout, CancellationToken ct)
    {
        var time = etcd.Options.TimeProvider;
        var started = time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(attemptTimeout);
            try
            {
                await etcd.RevokeLeaseAsync(leaseId, cts.Token).ConfigureAwait(false);
                SessionLog.AbandonedRevoked(log, role, serverId, leaseId, attempt, time.GetElapsedTime(started).TotalMilliseconds);
                return true;
            }
            catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound)
            {
                SessionLog.AbandonedAlreadyGone(log, role, serverId, leaseId, attempt, time.GetElapsedTime(started).TotalMilliseconds);
                return true;
            }
            catch (Exception e) when (e is not OutOfMemoryException && !ct.IsCancellationRequested)
            {
                if (attempt >= maxAttempts)
                {
                    SessionLog.AbandonedRevokeGaveUp(log, role, serverId, leaseId, attempt, e.Message);
                    return false;
                }
                var delay = Backoff.Delay(attempt - 1, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), 0.2, Random.Shared.NextDouble());
                SessionLog.AbandonedRevokeFailed(log, role, serverId, leaseId, attempt, e.Message, delay.TotalMilliseconds);
                await Task.Delay(delay, time, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Revokes a lease, swallowing failures (etcd down, lease already gone): best effort on the way out.</summary>
    public static async Task RevokeQuietlyAsync(EtcdClient etcd, long leaseId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(2));
        try
        {
            await etcd.RevokeLeaseAsync(leaseId, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The lease expires by itself after its TTL; nothing else to do.
        }
    }
}
