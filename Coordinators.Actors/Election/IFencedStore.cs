using Etcdserverpb;

namespace Coordinators.Actors.Election;

/// <summary>
/// The etcd access of a primary: every write is a Txn that also requires
/// <c>CreateRevision(candidateKey) == term</c>, so a deposed primary can never write. A failed fence throws
/// <see cref="LeadershipLostException"/>.
/// </summary>
public interface IFencedStore
{
    /// <summary>The term this store is fenced by (the candidate key's CreateRevision).</summary>
    long Term { get; }

    /// <summary>The candidate key whose CreateRevision is the fence.</summary>
    string CandidateKey { get; }

    /// <summary>Reads a key (not fenced: reads cannot harm).</summary>
    Task<RangeResponse> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// A fenced transaction: the fence and <paramref name="compares"/> must all hold for <paramref name="then"/>
    /// to run; otherwise <paramref name="otherwise"/> runs and the response (not Succeeded) holds its results.
    /// Throws <see cref="LeadershipLostException"/> when the fence is what failed.
    /// </summary>
    Task<TxnResponse> TxnAsync(IReadOnlyList<Compare> compares, IReadOnlyList<RequestOp> then, IReadOnlyList<RequestOp>? otherwise = null, CancellationToken cancellationToken = default);

    /// <summary>A fenced put.</summary>
    Task PutAsync(string key, string value, CancellationToken cancellationToken = default);

    /// <summary>A fenced delete.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);
}
