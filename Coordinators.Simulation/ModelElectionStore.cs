using Coordinators.Actors.Election;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;
using Etcdserverpb;
using Grpc.Core;

namespace Coordinators.Simulation;

/// <summary>
/// The election's store operations of one simulated process against the model etcd, request by request as
/// <see cref="EtcdElectionStore"/> makes them (ElectionQueries' campaign is a put Txn then a rank Txn, the fenced
/// store checks the lease guard and then sends one Txn with the term compare), each through the faulty network.
/// The watch is <see cref="ModelWatch"/>, as the session's.
/// </summary>
internal sealed class ModelElectionStore(SimProcess process, SimNetwork net, ModelEtcd etcd, SimLoop loop) : IElectionStore
{
    private SimProcess Process => process;

    private SimNetwork Net => net;

    private ModelEtcd Etcd => etcd;

    public async Task<CampaignOutcome> CampaignAsync(string prefix, string candidateKey, SessionInfo session, long knownTerm, CancellationToken ct)
    {
        loop.Trace($"p{process.Id} campaigns (known term {knownTerm})");
        var term = knownTerm > 0 ? knownTerm : await PutCandidateAsync(candidateKey, session).ConfigureAwait(false);
        var outcome = await RankAsync(prefix, candidateKey, term).ConfigureAwait(false);
        if (outcome.OwnKeyGone && knownTerm > 0)
        {
            term = await PutCandidateAsync(candidateKey, session).ConfigureAwait(false);
            outcome = await RankAsync(prefix, candidateKey, term).ConfigureAwait(false);
        }
        return outcome;
    }

    private Task<long> PutCandidateAsync(string candidateKey, SessionInfo session) =>
        net.Call(process, "campaign put", () => etcd.PutCandidate(candidateKey, session.ToJson(), session.LeaseId));

    private async Task<CampaignOutcome> RankAsync(string prefix, string candidateKey, long term)
    {
        var (gone, predecessor, revision, onlyOneAhead) = await net.Call(process, "campaign rank", () => etcd.Rank(prefix, candidateKey, term)).ConfigureAwait(false);
        return new CampaignOutcome(term, predecessor, revision, gone, onlyOneAhead);
    }

    public Task WatchDeleteAsync(string key, long fromRevision, CancellationToken ct) =>
        ModelWatch.DeleteAsync(process, net, etcd, loop, key, fromRevision, ct);

    public Task<KeyRevisions> ReadKeyAsync(string key, CancellationToken ct) =>
        SimTasks.Cancellable(net.Call(process, "candidate read", () => new KeyRevisions(etcd.CreateRevision(key), etcd.Revision)), ct);

    public Task ResignAsync(string activeKey, string candidateKey, long term, IReadOnlyList<RequestOp> also, CancellationToken ct) =>
        also.Count > 0
            ? throw new ArgumentException("the simulated coordinator service makes no resign writes; the model etcd would not apply them", nameof(also))
            : net.Call(process, "resign", () =>
        {
            etcd.Resign(activeKey, candidateKey, term);
            return true;
        });

    public IFencedStore Fenced(string candidateKey, long term, LeaseGuard? guard) => new ModelFence(this, candidateKey, term, guard);

    public async Task RehearseAsync(string candidateKey, long term, string activeKey, string epochKey, SessionInfo active, CancellationToken ct)
    {
        // Four requests whose compares never hold: they travel and fail like real ones, and change nothing.
        for (var i = 0; i < 4; i++)
        {
            await net.Call(process, "rehearsal", () => etcd.Revision).ConfigureAwait(false);
        }
    }

    /// <summary>As <see cref="FencedStore"/>: the guard is checked first, then one Txn carries the term compare.</summary>
    private sealed class ModelFence(ModelElectionStore store, string candidateKey, long term, LeaseGuard? guard) : IFencedStore
    {
        public long Term => term;

        public string CandidateKey => candidateKey;

        public Task<RangeResponse> GetAsync(string key, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("the simulated service does not read through the fenced store");

        public async Task<TxnResponse> TxnAsync(IReadOnlyList<Compare> compares, IReadOnlyList<RequestOp> then, IReadOnlyList<RequestOp>? otherwise = null, CancellationToken cancellationToken = default)
        {
            if (compares.Count > 0 || then.Any(o => o.RequestCase != RequestOp.RequestOneofCase.RequestPut))
            {
                throw new NotSupportedException("the model fence supports puts without extra compares (what the election and the simulated service send)");
            }
            if (guard is { IsValid: false })
            {
                throw new LeadershipLostException($"lease guard expired; term {term} may already be over");
            }
            var puts = then.Select(o => (o.RequestPut.Key.ToStringUtf8(), o.RequestPut.Value.ToStringUtf8(), o.RequestPut.Lease)).ToList();
            var p = store.Process;
            var accepted = await store.Net.Call(p, "fenced write", () => store.Etcd.FencedPut(p.Id, candidateKey, term, puts)).ConfigureAwait(false);
            return accepted ? new TxnResponse { Succeeded = true } : throw new LeadershipLostException($"fenced write refused: term {term} is over");
        }

        public Task PutAsync(string key, string value, CancellationToken cancellationToken = default) =>
            TxnAsync([], [Op.Put(key, value)], null, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("the simulated service only puts");
    }
}
