using System.Threading.Channels;
using Coordinators.Actors.Etcd;

namespace Coordinators.Actors.Sessions;

/// <summary>The session's store operations on etcd: one Txn, lease call or watch each, over the process's client.</summary>
internal sealed class EtcdSessionStore(EtcdClient etcd) : ISessionStore
{
    public TimeProvider Time => etcd.Options.TimeProvider;

    public async Task<CounterSwap> CompareAndPutAsync(string key, long modRevision, string value, CancellationToken ct)
    {
        var txn = await etcd.Txn()
            .If(Cmp.ModRevision(key) == modRevision)
            .Then(Op.Put(key, value))
            .Else(Op.Get(key))
            .CommitAsync(ct).ConfigureAwait(false);
        if (txn.Succeeded)
        {
            return CounterSwap.Swapped;
        }
        var kvs = txn.Responses[0].ResponseRange.Kvs;
        return kvs.Count == 0 ? new CounterSwap(false, 0, null) : new CounterSwap(false, kvs[0].ModRevision, kvs[0].Value.ToStringUtf8());
    }

    public async Task<long> GrantLeaseAsync(long ttlSeconds, CancellationToken ct) =>
        (await etcd.GrantLeaseAsync(ttlSeconds, ct).ConfigureAwait(false)).ID;

    public ISessionKeepAlive KeepAlive(long leaseId, TimeSpan interval, CancellationToken ct) =>
        new EtcdKeepAlive(etcd.KeepAlive(leaseId, interval, ct));

    public async Task<long?> PutIfAbsentAsync(string key, string value, long leaseId, CancellationToken ct)
    {
        var put = await etcd.Txn()
            .If(Cmp.CreateRevision(key) == 0)
            .Then(Op.Put(key, value, leaseId))
            .CommitAsync(ct).ConfigureAwait(false);
        return put.Succeeded ? put.Header.Revision : null;
    }

    public Task WatchDeleteAsync(string key, long fromRevision, CancellationToken ct) => KeyDeleteWatch.WatchOnceAsync(etcd, key, fromRevision, ct);

    public Task<KeyRevisions> GetCreateRevisionAsync(string key, CancellationToken ct) => KeyDeleteWatch.ReadAsync(etcd, key, ct);

    public Task RevokeLeaseAsync(long leaseId, CancellationToken ct) => etcd.RevokeLeaseAsync(leaseId, ct);

    /// <summary>The client's <see cref="LeaseKeepAlive"/> as the session sees it.</summary>
    private sealed class EtcdKeepAlive(LeaseKeepAlive keepAlive) : ISessionKeepAlive
    {
        public long LeaseId => keepAlive.LeaseId;

        public ChannelReader<LeaseKeepAliveEvent> Events => keepAlive.Events;

        public ValueTask DisposeAsync() => keepAlive.DisposeAsync();
    }
}
