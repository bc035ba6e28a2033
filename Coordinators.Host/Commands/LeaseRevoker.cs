using System.Diagnostics;
using Coordinators.Actors.Etcd;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Coordinators.Host.Commands;

/// <summary>
/// Revokes a dead child's leases over the guard's own etcd connection: a few attempts with a doubling backoff, each
/// with its own deadline; NotFound means the lease is already gone (the child revoked it, or it expired).
/// </summary>
internal static class LeaseRevoker
{
    public const int MaxAttempts = 5;
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(50);

    // Well below SocketsHttpHandler's 5 min idle timeout, so the guard's connection is open when a crash comes.
    private static readonly TimeSpan KeepWarmPeriod = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Grants and revokes a throwaway lease once at the guard's start, while the child is still starting, so the
    /// revoke after a crash runs on a connected channel and JIT-compiled code (a cold first revoke costs tens of ms,
    /// hundreds on a busy machine); then reads <paramref name="probeKey"/> every minute to keep the connection open.
    /// Ends when <paramref name="ct"/> is cancelled.
    /// </summary>
    public static async Task KeepWarmAsync(EtcdClient etcd, string probeKey, ILogger logger, CancellationToken ct)
    {
        try
        {
            await OnceAsync(async token =>
            {
                var throwaway = await etcd.GrantLeaseAsync(2, token).ConfigureAwait(false);
                await etcd.RevokeLeaseAsync(throwaway.ID, token).ConfigureAwait(false);
            }, logger, ct).ConfigureAwait(false);
            using var timer = new PeriodicTimer(KeepWarmPeriod);
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                await OnceAsync(token => etcd.GetAsync(probeKey, cancellationToken: token), logger, ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (ct.IsCancellationRequested && e is OperationCanceledException or RpcException)
        {
            CrashGuardLog.WarmUpFailed(logger, "the guard is exiting");
        }
    }

    /// <summary>One warm-up call with its own deadline; a failure is logged, the next period tries again.</summary>
    private static async Task OnceAsync(Func<CancellationToken, Task> call, ILogger logger, CancellationToken ct)
    {
        using var once = CancellationTokenSource.CreateLinkedTokenSource(ct);
        once.CancelAfter(AttemptTimeout);
        try
        {
            await call(once.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is RpcException or OperationCanceledException or HttpRequestException)
        {
            CrashGuardLog.WarmUpFailed(logger, e.Message);
        }
    }

    /// <summary>Revokes every lease in parallel; returns how many etcd revoked here (not counting those already gone).</summary>
    public static async Task<int> RevokeAllAsync(EtcdClient etcd, IReadOnlyList<ReportedLease> leases, long deathConfirmedAt, ILogger logger)
    {
        var results = await Task.WhenAll(leases.Select(l => RevokeAsync(etcd, l, deathConfirmedAt, logger))).ConfigureAwait(false);
        return results.Count(r => r);
    }

    private static async Task<bool> RevokeAsync(EtcdClient etcd, ReportedLease lease, long deathConfirmedAt, ILogger logger)
    {
        var delay = FirstBackoff;
        for (var attempt = 1; ; attempt++)
        {
            using var cts = new CancellationTokenSource(AttemptTimeout);
            string error;
            try
            {
                await etcd.RevokeLeaseAsync(lease.LeaseId, cts.Token).ConfigureAwait(false);
                CrashGuardLog.LeaseRevoked(logger, lease.LeaseId, lease.Role, lease.ServerId, Stopwatch.GetElapsedTime(deathConfirmedAt).TotalMilliseconds, attempt);
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                CrashGuardLog.LeaseAlreadyGone(logger, lease.LeaseId, lease.Role, lease.ServerId);
                return false;
            }
            catch (RpcException e)
            {
                error = $"{e.StatusCode}: {e.Status.Detail}";
            }
            catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
            {
                error = e is OperationCanceledException ? $"no answer within {AttemptTimeout.TotalSeconds:F0} s" : e.Message;
            }
            if (attempt == MaxAttempts)
            {
                CrashGuardLog.RevokeFailed(logger, lease.LeaseId, lease.Role, attempt, error);
                return false;
            }
            CrashGuardLog.RevokeRetry(logger, lease.LeaseId, lease.Role, attempt, error, delay.TotalMilliseconds);
            await Task.Delay(delay).ConfigureAwait(false);
            delay *= 2;
        }
    }
}
