using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Election;

/// <summary>
/// The store operations the election makes, so the CoordinatorActor's logic can be tested against an in-memory store
/// on virtual time; <see cref="EtcdElectionStore"/> is the real one (etcd's concurrency protocol, proven against etcd).
/// </summary>
internal interface IElectionStore
{
    /// <summary>Puts the candidate key if absent (its CreateRevision is the term) and ranks it: leader or the predecessor.</summary>
    Task<CampaignOutcome> CampaignAsync(string prefix, string candidateKey, SessionInfo session, long knownTerm, CancellationToken ct);

    /// <summary>
    /// Completes once <paramref name="key"/> is deleted at or after <paramref name="fromRevision"/>; faults with the watch's
    /// error (<see cref="EtcdCompactedException"/> when that revision is compacted, <see cref="EtcdWatchCanceledException"/>
    /// when etcd cancelled it), cancelled with <paramref name="ct"/>.
    /// </summary>
    Task WatchDeleteAsync(string key, long fromRevision, CancellationToken ct);

    /// <summary>Reads <paramref name="key"/>: its CreateRevision (0 when absent) and the read's revision.</summary>
    Task<KeyRevisions> ReadKeyAsync(string key, CancellationToken ct);

    /// <summary>
    /// Deletes the active key (fenced on <paramref name="term"/> when > 0) and the candidate key in one step; a primary's
    /// <paramref name="also"/> (its service's last writes, <see cref="IResignWrites"/>) go in the same fenced Txn.
    /// </summary>
    Task ResignAsync(string activeKey, string candidateKey, long term, IReadOnlyList<Etcdserverpb.RequestOp> also, CancellationToken ct);

    /// <summary>The fenced store a primary of <paramref name="term"/> writes through.</summary>
    IFencedStore Fenced(string candidateKey, long term, LeaseGuard? guard);

    /// <summary>Runs a takeover's store calls once with compares that can never hold, so a takeover finds them warm.</summary>
    Task RehearseAsync(string candidateKey, long term, string activeKey, string epochKey, SessionInfo active, CancellationToken ct);
}
