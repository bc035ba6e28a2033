using Coordinators.Actors.Etcd;
using System.Globalization;
using System.Reflection;
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

    public static async Task<object> BuildAsync(int generation, SessionActorSettings settings, ISessionStore store, CancellationToken ct)
    {
        var time = store.Time;
        var serverId = await AllocateServerIdAsync(store, settings.Layout, ct).ConfigureAwait(false);
        var ttlSeconds = (long)Math.Ceiling(settings.Options.Session.Ttl.TotalSeconds);
        // etcd starts the TTL when it grants, which is after we send: the send time is a safe lower bound for the guard.
        var sentAt = time.GetTimestamp();
        var leaseId = await store.GrantLeaseAsync(ttlSeconds, ct).ConfigureAwait(false);
        ISessionKeepAlive? keepAlive = null;
        try
        {
            // Before any key goes on the lease: a crash after this point is revoked by the guard, not left to the TTL.
            settings.CrashGuard?.LeaseGranted(settings.Role, serverId, leaseId);
            settings.Guard.Reset();
            settings.Guard.Acknowledged(sentAt);
            keepAlive = store.KeepAlive(leaseId, settings.Options.Session.KeepAliveInterval, ct);
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
                LeaseId = leaseId,
                StartedAt = time.GetUtcNow(),
            };
            var key = settings.Layout.SessionKey(settings.Role, serverId);
            var revision = await store.PutIfAbsentAsync(key, session.ToJson(), leaseId, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"session key {key} already exists; ServerID {serverId} was handed out twice");
            return new SessionBuilt(generation, session, revision, keepAlive);
        }
        catch
        {
            if (keepAlive is not null)
            {
                await keepAlive.DisposeAsync().ConfigureAwait(false);
            }
            await RevokeQuietlyAsync(store, leaseId).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Compare-and-increment of the counter: returns a ServerID no other process ever got.</summary>
    public static async Task<long> AllocateServerIdAsync(ISessionStore store, EtcdLayout layout, CancellationToken ct)
    {
        var key = layout.ServerIdCounter;
        // Start by assuming the counter is absent (ModRevision 0); a failed compare returns its current value.
        long modRevision = 0, current = 0;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var next = current + 1;
            var swap = await store.CompareAndPutAsync(key, modRevision, next.ToString(CultureInfo.InvariantCulture), ct).ConfigureAwait(false);
            if (swap.Succeeded)
            {
                return next;
            }
            if (swap.Value is null)
            {
                modRevision = 0;
                current = 0;
                continue;
            }
            modRevision = swap.ModRevision;
            current = long.Parse(swap.Value, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"could not allocate a ServerID at {key}: too much contention");
    }

    /// <summary>
    /// Revokes a lease this process gave up locally (keep-alive lost, acknowledgement deadline, own key gone) while etcd
    /// may still hold it: etcd extends every lease when it elects a new leader, so an abandoned lease's candidate key
    /// would block the election queue for up to another TTL. Tries until etcd answers (revoked, or the lease is already
    /// gone), at most <paramref name="maxAttempts"/> times with backoff (100 ms doubling to 1 s), each attempt bounded by
    /// <paramref name="attemptTimeout"/> on the store's clock; every outcome is logged. Returns true when the lease is
    /// certainly gone. The backoff's jitter comes from <paramref name="random"/>.
    /// </summary>
    public static async Task<bool> RevokeAbandonedAsync(ISessionStore store, long leaseId, Microsoft.Extensions.Logging.ILogger log, string role, long serverId,
        int maxAttempts, TimeSpan attemptTimeout, Random random, CancellationToken ct)
    {
        var time = store.Time;
        var started = time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            using var timeout = new CancellationTokenSource(attemptTimeout, time);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
            try
            {
                await store.RevokeLeaseAsync(leaseId, cts.Token).ConfigureAwait(false);
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
                var delay = Backoff.Delay(attempt - 1, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), 0.2, random.NextDouble());
                SessionLog.AbandonedRevokeFailed(log, role, serverId, leaseId, attempt, e.Message, delay.TotalMilliseconds);
                await Backoff.WaitAsync(delay, time, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Revokes a lease, swallowing failures (etcd down, lease already gone): best effort on the way out.</summary>
    public static async Task RevokeQuietlyAsync(ISessionStore store, long leaseId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(2), store.Time);
        try
        {
            await store.RevokeLeaseAsync(leaseId, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The lease expires by itself after its TTL; nothing else to do.
        }
    }
}
