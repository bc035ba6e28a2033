using Coordinators.Actors.Etcd;
using Etcdserverpb;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Election;

/// <summary>
/// <see cref="IFencedStore"/> over an <see cref="EtcdClient"/>: each Txn carries the term compare and, in its
/// else branch, reads the candidate key so one round trip tells a lost fence from a failed compare of the caller.
/// The local lease guard is checked before each write.
/// </summary>
public sealed class FencedStore : IFencedStore
{
    private readonly EtcdClient _etcd;
    private readonly LeaseGuard? _guard;

    /// <summary>Creates a store fenced by <paramref name="term"/> on <paramref name="candidateKey"/>.</summary>
    public FencedStore(EtcdClient etcd, string candidateKey, long term, LeaseGuard? guard = null)
    {
        _etcd = etcd;
        CandidateKey = candidateKey;
        Term = term;
        _guard = guard;
    }

    /// <inheritdoc />
    public long Term { get; }

    /// <inheritdoc />
    public string CandidateKey { get; }

    /// <inheritdoc />
    public Task<RangeResponse> GetAsync(string key, CancellationToken cancellationToken = default) =>
        _etcd.GetAsync(key, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public async Task<TxnResponse> TxnAsync(IReadOnlyList<Compare> compares, IReadOnlyList<RequestOp> then, IReadOnlyList<RequestOp>? otherwise = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compares);
        ArgumentNullException.ThrowIfNull(then);
        if (_guard is { IsValid: false })
        {
            throw new LeadershipLostException($"lease guard expired; term {Term} may already be over");
        }
        var response = await _etcd.Txn()
            .If([Cmp.CreateRevision(CandidateKey) == Term, .. compares])
            .Then([.. then])
            .Else([Op.Get(CandidateKey), .. otherwise ?? []])
            .CommitAsync(cancellationToken).ConfigureAwait(false);
        if (response.Succeeded)
        {
            return response;
        }
        var candidate = response.Responses[0].ResponseRange.Kvs;
        if (candidate.Count == 0 || candidate[0].CreateRevision != Term)
        {
            throw new LeadershipLostException(candidate.Count == 0
                ? $"fenced write refused: candidate key {CandidateKey} is gone (term {Term} is over)"
                : $"fenced write refused: candidate key {CandidateKey} has term {candidate[0].CreateRevision}, not {Term}");
        }
        // The caller's own compare failed: hand back its else results only.
        var stripped = response.Clone();
        stripped.Responses.RemoveAt(0);
        return stripped;
    }

    /// <inheritdoc />
    public async Task PutAsync(string key, string value, CancellationToken cancellationToken = default) =>
        await TxnAsync([], [Op.Put(key, value)], null, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        await TxnAsync([], [Op.Delete(key)], null, cancellationToken).ConfigureAwait(false);
}
