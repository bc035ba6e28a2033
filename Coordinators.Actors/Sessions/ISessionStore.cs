using System.Threading.Channels;
using Coordinators.Actors.Etcd;

namespace Coordinators.Actors.Sessions;

/// <summary>
/// The store operations a session makes (ServerID counter, lease, keep-alive, session key, watch of it, revoke), so the
/// real <see cref="SessionActor"/> runs against a model store on virtual time; <see cref="EtcdSessionStore"/> is the
/// real one (proven against etcd).
/// </summary>
internal interface ISessionStore
{
    /// <summary>The clock of the store's timestamps (keep-alive send times); the session's lease guard reads the same one.</summary>
    TimeProvider Time { get; }

    /// <summary>
    /// <c>If ModRevision(key) == modRevision Then Put(key, value) Else Get(key)</c>: whether it was put, else the key's
    /// ModRevision and value (0 and null when absent).
    /// </summary>
    Task<CounterSwap> CompareAndPutAsync(string key, long modRevision, string value, CancellationToken ct);

    /// <summary>Grants a lease of <paramref name="ttlSeconds"/> and returns its ID.</summary>
    Task<long> GrantLeaseAsync(long ttlSeconds, CancellationToken ct);

    /// <summary>Starts keeping the lease alive every <paramref name="interval"/>; each acknowledgement carries its request's send time.</summary>
    ISessionKeepAlive KeepAlive(long leaseId, TimeSpan interval, CancellationToken ct);

    /// <summary><c>If CreateRevision(key) == 0 Then Put(key, value, lease)</c>: the revision it was put at, or null when the key exists.</summary>
    Task<long?> PutIfAbsentAsync(string key, string value, long leaseId, CancellationToken ct);

    /// <summary>
    /// Completes once <paramref name="key"/> is deleted at or after <paramref name="fromRevision"/>; a broken stream is
    /// resumed without a gap. Throws <see cref="EtcdCompactedException"/> or <see cref="EtcdWatchCanceledException"/>
    /// when the watch cannot go on, <see cref="OperationCanceledException"/> when <paramref name="ct"/> fires.
    /// </summary>
    Task WatchDeleteAsync(string key, long fromRevision, CancellationToken ct);

    /// <summary>Reads a key: its CreateRevision (0 when absent) and the revision of the read.</summary>
    Task<KeyRevisions> GetCreateRevisionAsync(string key, CancellationToken ct);

    /// <summary>Revokes a lease (its keys go with it); an RpcException with NotFound when it is already gone.</summary>
    Task RevokeLeaseAsync(long leaseId, CancellationToken ct);
}

/// <summary>What <see cref="ISessionStore.CompareAndPutAsync"/> found: put, or the key's current ModRevision and value.</summary>
internal sealed record CounterSwap(bool Succeeded, long ModRevision, string? Value)
{
    public static readonly CounterSwap Swapped = new(true, 0, null);
}

/// <summary>A running keep-alive of one lease: its acknowledgements, then at most one loss; dispose to stop it.</summary>
internal interface ISessionKeepAlive : IAsyncDisposable
{
    /// <summary>The lease kept alive.</summary>
    long LeaseId { get; }

    /// <summary>The events (<see cref="LeaseAcknowledged"/>, then at most one <see cref="LeaseLost"/>); completed when stopped.</summary>
    ChannelReader<LeaseKeepAliveEvent> Events { get; }
}
