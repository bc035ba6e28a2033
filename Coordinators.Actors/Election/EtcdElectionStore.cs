using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Election;

/// <summary>The election on etcd: <see cref="ElectionQueries"/> and <see cref="FencedStore"/> over one client.</summary>
internal sealed class EtcdElectionStore(EtcdClient etcd) : IElectionStore
{
    public Task<CampaignOutcome> CampaignAsync(string prefix, string candidateKey, SessionInfo session, long knownTerm, CancellationToken ct) =>
        ElectionQueries.CampaignAsync(etcd, prefix, candidateKey, session, knownTerm, ct);

    public Task WatchDeleteAsync(string key, long fromRevision, CancellationToken ct) => KeyDeleteWatch.WatchOnceAsync(etcd, key, fromRevision, ct);

    public Task<KeyRevisions> ReadKeyAsync(string key, CancellationToken ct) => KeyDeleteWatch.ReadAsync(etcd, key, ct);

    public Task ResignAsync(string activeKey, string candidateKey, long term, IReadOnlyList<Etcdserverpb.RequestOp> also, CancellationToken ct) =>
        ElectionQueries.ResignAsync(etcd, activeKey, candidateKey, term, also, ct);

    public IFencedStore Fenced(string candidateKey, long term, LeaseGuard? guard) => new FencedStore(etcd, candidateKey, term, guard);

    public async Task RehearseAsync(string candidateKey, long term, string activeKey, string epochKey, SessionInfo active, CancellationToken ct)
    {
        // Version == -1 never holds: every call takes the path of a real takeover's and changes nothing.
        var never = Cmp.Version(candidateKey) == -1;
        var store = new FencedStore(etcd, candidateKey, term);
        await store.GetAsync(epochKey, ct).ConfigureAwait(false);
        await store.TxnAsync([never, Cmp.ModRevision(epochKey) == 0], [Op.Put(epochKey, "0")], [Op.Get(epochKey)], ct).ConfigureAwait(false);
        await store.TxnAsync([never], [Op.Put(activeKey, active.ToJson(), active.LeaseId)], null, ct).ConfigureAwait(false);
        await etcd.Txn().If(never).Then(Op.Delete(activeKey), Op.Delete(candidateKey)).Else(Op.Get(candidateKey)).CommitAsync(ct).ConfigureAwait(false);
    }
}
