using Coordinators.Actors.Etcd;
using Etcdserverpb;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Election;

/// <summary>
/// The etcd side of the election, following etcd's concurrency package so <c>etcdctl elect -l</c> sees us:
/// campaign (put the candidate key with the lease unless it exists), rank (the nearest predecessor by
/// CreateRevision, read only while the own key still exists), and the predecessor watch.
/// </summary>
internal static class ElectionQueries
{
    /// <summary>Puts the candidate key (Txn If CreateRevision == 0 Then Put Else Get) and returns its CreateRevision.</summary>
    public static async Task<long> PutCandidateAsync(EtcdClient etcd, string candidateKey, SessionInfo session, CancellationToken ct)
    {
        var txn = await etcd.Txn()
            .If(Cmp.CreateRevision(candidateKey) == 0)
            .Then(Op.Put(candidateKey, session.ToJson(), session.LeaseId))
            .Else(Op.Get(candidateKey))
            .CommitAsync(ct).ConfigureAwait(false);
        if (txn.Succeeded)
        {
            return txn.Header.Revision;
        }
        var kvs = txn.Responses[0].ResponseRange.Kvs;
        return kvs.Count == 1 ? kvs[0].CreateRevision : throw new InvalidOperationException($"candidate key {candidateKey} vanished during the campaign");
    }

    /// <summary>
    /// Finds the nearest predecessor of the own candidate key (max CreateRevision below <paramref name="term"/>),
    /// in a Txn that first checks the own key still has that CreateRevision; the two nearest are read, so the outcome
    /// also says whether the predecessor is the only candidate ahead.
    /// </summary>
    public static async Task<CampaignOutcome> RankAsync(EtcdClient etcd, string prefix, string candidateKey, long term, CancellationToken ct)
    {
        var predecessor = new GetOptions
        {
            Prefix = true,
            MaxCreateRevision = term - 1,
            SortTarget = RangeRequest.Types.SortTarget.Create,
            SortOrder = RangeRequest.Types.SortOrder.Descend,
            Limit = 2,
            KeysOnly = true,
        };
        var txn = await etcd.Txn()
            .If(Cmp.CreateRevision(candidateKey) == term)
            .Then(Op.Get(EtcdKeys.Utf8(prefix), predecessor))
            .CommitAsync(ct).ConfigureAwait(false);
        if (!txn.Succeeded)
        {
            return new CampaignOutcome(term, null, txn.Header.Revision, OwnKeyGone: true);
        }
        var kvs = txn.Responses[0].ResponseRange.Kvs;
        return new CampaignOutcome(term, kvs.Count == 0 ? null : kvs[0].Key.ToStringUtf8(), txn.Header.Revision, OwnKeyGone: false, OnlyOneAhead: kvs.Count == 1);
    }

    /// <summary>Campaign: put (or find) the own candidate key, then rank it.</summary>
    public static async Task<CampaignOutcome> CampaignAsync(EtcdClient etcd, string prefix, string candidateKey, SessionInfo session, long knownTerm, CancellationToken ct)
    {
        var term = knownTerm > 0 ? knownTerm : await PutCandidateAsync(etcd, candidateKey, session, ct).ConfigureAwait(false);
        var outcome = await RankAsync(etcd, prefix, candidateKey, term, ct).ConfigureAwait(false);
        if (outcome.OwnKeyGone && knownTerm > 0)
        {
            // The key we knew went away while the lease lives (someone deleted it): queue again at the end.
            term = await PutCandidateAsync(etcd, candidateKey, session, ct).ConfigureAwait(false);
            outcome = await RankAsync(etcd, prefix, candidateKey, term, ct).ConfigureAwait(false);
        }
        return outcome;
    }

    /// <summary>Resign: one Txn deleting the active key and the candidate key while the term holds; else only the candidate key.</summary>
    public static Task<TxnResponse> ResignAsync(EtcdClient etcd, string activeKey, string candidateKey, long term, IReadOnlyList<RequestOp> also, CancellationToken ct) =>
        term > 0
            ? etcd.Txn()
                .If(Cmp.CreateRevision(candidateKey) == term)
                .Then([.. also, Op.Delete(activeKey), Op.Delete(candidateKey)])
                .Else(Op.Delete(candidateKey))
                .CommitAsync(ct)
            : etcd.Txn().Then(Op.Delete(candidateKey)).CommitAsync(ct);
}

/// <summary>The result of a campaign round.</summary>
/// <param name="Term">The own candidate key's CreateRevision.</param>
/// <param name="Predecessor">The nearest key ahead in the queue, or null when this candidate leads.</param>
/// <param name="Revision">The header revision of the rank read; the predecessor watch starts after it.</param>
/// <param name="OwnKeyGone">The own candidate key no longer exists (its lease is gone).</param>
/// <param name="OnlyOneAhead">The predecessor is the only candidate ahead: its deletion makes this one first.</param>
internal sealed record CampaignOutcome(long Term, string? Predecessor, long Revision, bool OwnKeyGone, bool OnlyOneAhead = false);
