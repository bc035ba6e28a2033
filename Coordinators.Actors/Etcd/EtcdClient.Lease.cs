using Etcdserverpb;
using Coordinators.Actors.Transport;
using Grpc.Core;

namespace Coordinators.Actors.Etcd;

/// <summary>Leases: grant, revoke, time-to-live, list and keep-alive.</summary>
public sealed partial class EtcdClient
{
    /// <summary>Grants a lease of <paramref name="ttlSeconds"/> (etcd raises TTLs below its floor, 2 s by default).</summary>
    public async Task<LeaseGrantResponse> GrantLeaseAsync(long ttlSeconds, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync((e, o) => e.Lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = ttlSeconds }, o), idempotent: false, cancellationToken).ConfigureAwait(false);
        return string.IsNullOrEmpty(response.Error) ? response : throw RpcErrors.Create(StatusCode.Unknown, "lease grant failed: " + response.Error);
    }

    /// <summary>Revokes a lease: every key attached to it is deleted.</summary>
    public async Task<LeaseRevokeResponse> RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken = default)
    {
        _revoked[leaseId] = true;
        return await CallAsync((e, o) => e.Lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = leaseId }, o), idempotent: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Remaining and granted TTL of a lease (TTL -1 when it does not exist), with its keys when asked.</summary>
    public Task<LeaseTimeToLiveResponse> LeaseTimeToLiveAsync(long leaseId, bool keys = false, CancellationToken cancellationToken = default) =>
        CallAsync((e, o) => e.Lease.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = leaseId, Keys = keys }, o), idempotent: true, cancellationToken);

    /// <summary>Every live lease.</summary>
    public Task<LeaseLeasesResponse> LeasesAsync(CancellationToken cancellationToken = default) =>
        CallAsync((e, o) => e.Lease.LeaseLeasesAsync(new LeaseLeasesRequest(), o), idempotent: true, cancellationToken);

    /// <summary>
    /// Starts keeping <paramref name="leaseId"/> alive: a request every <paramref name="interval"/> on one long-lived
    /// stream. Read the returned object for acknowledgements and the loss; dispose it or cancel to stop.
    /// </summary>
    public LeaseKeepAlive KeepAlive(long leaseId, TimeSpan interval, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return new LeaseKeepAlive(this, leaseId, interval, cancellationToken);
    }

    /// <summary>Renews a lease once and returns etcd's answer (TTL &lt;= 0 when it is gone).</summary>
    public async Task<LeaseKeepAliveResponse> KeepAliveOnceAsync(long leaseId, CancellationToken cancellationToken = default)
    {
        var options = await CallOptionsAsync(cancellationToken).ConfigureAwait(false);
        if (Options.RequestTimeout is { } timeout)
        {
            options = options.WithDeadline(Options.TimeProvider.GetUtcNow().UtcDateTime + timeout);
        }
        using var call = _endpoints[CurrentIndex].Lease.LeaseKeepAlive(options);
        await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = leaseId }, cancellationToken).ConfigureAwait(false);
        if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            throw RpcErrors.Create(StatusCode.Unavailable, "etcd closed the keep-alive stream without an answer");
        }
        var response = call.ResponseStream.Current;
        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        return response;
    }

    internal bool WasRevokedHere(long leaseId) => _revoked.ContainsKey(leaseId);
}
