using Coordinators.Actors.Etcd;
using Coordinators.Actors.Election;
using Coordinators.Actors.Model;
using Etcdserverpb;

namespace Coordinators.Tests.Election;

/// <summary>
/// The election's store operations in memory, for the CoordinatorActor's logic on virtual time: keys with create
/// revisions, the lowest CreateRevision leads, DELETE watches from a revision (as etcd: a watch from revision R sees
/// every delete at R or later; a watch from 0 starts now and sees nothing already gone). etcd's own behaviour is proven
/// against real etcd elsewhere.
/// </summary>
internal sealed class InMemoryElectionStore : IElectionStore
{
    private readonly Lock _lock = new();
    // Live keys with their create revision and value; guarded by _lock.
    private readonly Dictionary<string, (long Create, string Value)> _keys = new(StringComparer.Ordinal);
    // Pending DELETE watches; guarded by _lock, completed outside it.
    private readonly List<(string Key, TaskCompletionSource Done)> _watches = [];
    // Every delete so far with its revision, for watches that start from an earlier revision; guarded by _lock.
    private readonly List<(string Key, long Revision)> _deletes = [];
    private long _revision;
    private int _campaigns;

    /// <summary>Runs after each campaign's read, before its answer reaches the actor (a delete racing the watch).</summary>
    public Action<string>? AfterCampaign { get; set; }

    /// <summary>When set, a resign waits for it (or its cancellation) and deletes nothing.</summary>
    public Task? ResignGate { get; set; }

    /// <summary>When set, every rehearsal fails with it.</summary>
    public Exception? RehearsalError { get; set; }

    /// <summary>Puts a key as another process would (a candidate queued ahead, say); returns its create revision.</summary>
    public long Put(string key, string value)
    {
        lock (_lock)
        {
            _revision++;
            _keys[key] = (_keys.TryGetValue(key, out var old) ? old.Create : _revision, value);
            return _keys[key].Create;
        }
    }

    /// <summary>The value of <paramref name="key"/>, or null.</summary>
    public string? Get(string key)
    {
        lock (_lock)
        {
            return _keys.TryGetValue(key, out var kv) ? kv.Value : null;
        }
    }

    /// <summary>Deletes keys as etcd would (a lease expiring, a resign) and tells their watchers.</summary>
    public void Delete(params string[] keys)
    {
        List<(string Key, TaskCompletionSource Done)> fired;
        lock (_lock)
        {
            _revision++;
            foreach (var key in keys)
            {
                if (_keys.Remove(key))
                {
                    _deletes.Add((key, _revision));
                }
            }
            fired = _watches.Where(w => keys.Contains(w.Key)).ToList();
            _watches.RemoveAll(w => keys.Contains(w.Key));
        }
        foreach (var w in fired)
        {
            w.Done.TrySetResult();
        }
    }

    /// <summary>Ends the pending watches of <paramref name="key"/> with <paramref name="error"/> (a compaction, a cancel by etcd).</summary>
    public int FailWatches(string key, Exception error)
    {
        List<(string Key, TaskCompletionSource Done)> failed;
        lock (_lock)
        {
            failed = _watches.Where(w => w.Key == key).ToList();
            _watches.RemoveAll(w => w.Key == key);
        }
        foreach (var w in failed)
        {
            w.Done.TrySetException(error);
        }
        return failed.Count;
    }

    /// <summary>How many watches of <paramref name="key"/> are pending.</summary>
    public int WatchesOf(string key)
    {
        lock (_lock)
        {
            return _watches.Count(w => w.Key == key);
        }
    }

    /// <summary>How many campaign rounds (put and rank) the actors ran.</summary>
    public int Campaigns => Volatile.Read(ref _campaigns);

    public Task<CampaignOutcome> CampaignAsync(string prefix, string candidateKey, SessionInfo session, long knownTerm, CancellationToken ct)
    {
        Interlocked.Increment(ref _campaigns);
        var outcome = Campaign(prefix, candidateKey, session);
        AfterCampaign?.Invoke(candidateKey);
        return Task.FromResult(outcome);
    }

    private CampaignOutcome Campaign(string prefix, string candidateKey, SessionInfo session)
    {
        lock (_lock)
        {
            if (!_keys.TryGetValue(candidateKey, out var own))
            {
                _revision++;
                own = (_revision, session.ToJson());
                _keys[candidateKey] = own;
            }
            var ahead = _keys.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal) && kv.Value.Create < own.Create)
                .OrderByDescending(kv => kv.Value.Create).Select(kv => kv.Key).Take(2).ToList();
            return new CampaignOutcome(own.Create, ahead.FirstOrDefault(), _revision, OwnKeyGone: false, OnlyOneAhead: ahead.Count == 1);
        }
    }

    public Task WatchDeleteAsync(string key, long fromRevision, CancellationToken ct)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (fromRevision > 0 && _deletes.Any(d => d.Key == key && d.Revision >= fromRevision))
            {
                return Task.CompletedTask;
            }
            _watches.Add((key, done));
        }
        ct.Register(() => done.TrySetCanceled(ct));
        return done.Task;
    }

    public Task<KeyRevisions> ReadKeyAsync(string key, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(new KeyRevisions(_keys.TryGetValue(key, out var kv) ? kv.Create : 0, _revision));
        }
    }

    public Task ResignAsync(string activeKey, string candidateKey, long term, IReadOnlyList<Etcdserverpb.RequestOp> also, CancellationToken ct)
    {
        if (ResignGate is { } gate)
        {
            // An etcd that does not answer: the resign waits until the gate opens or its timeout cancels it.
            return gate.WaitAsync(ct);
        }
        Delete(activeKey, candidateKey);
        return Task.CompletedTask;
    }

    public IFencedStore Fenced(string candidateKey, long term, LeaseGuard? guard) => new Fence(this, candidateKey, term, guard);

    public Task RehearseAsync(string candidateKey, long term, string activeKey, string epochKey, SessionInfo active, CancellationToken ct) =>
        RehearsalError is { } error ? Task.FromException(error) : Task.CompletedTask;

    private sealed class Fence(InMemoryElectionStore store, string candidateKey, long term, LeaseGuard? guard) : IFencedStore
    {
        public long Term => term;

        public string CandidateKey => candidateKey;

        public Task<RangeResponse> GetAsync(string key, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("the actor tests' services do not read");

        // As the real FencedStore (an async method): a refusal is a faulted task, never a synchronous throw.
        public Task<TxnResponse> TxnAsync(IReadOnlyList<Compare> compares, IReadOnlyList<RequestOp> then, IReadOnlyList<RequestOp>? otherwise = null, CancellationToken cancellationToken = default)
        {
            if (guard is { IsValid: false })
            {
                return Task.FromException<TxnResponse>(new LeadershipLostException($"lease guard expired; term {term} may already be over"));
            }
            lock (store._lock)
            {
                if (!store._keys.TryGetValue(candidateKey, out var own) || own.Create != term)
                {
                    return Task.FromException<TxnResponse>(new LeadershipLostException($"fenced write refused: term {term} is over"));
                }
            }
            foreach (var op in then.Where(o => o.RequestCase == RequestOp.RequestOneofCase.RequestPut))
            {
                store.Put(op.RequestPut.Key.ToStringUtf8(), op.RequestPut.Value.ToStringUtf8());
            }
            return Task.FromResult(new TxnResponse { Succeeded = true });
        }

        public Task PutAsync(string key, string value, CancellationToken cancellationToken = default) => TxnAsync([], [], null, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => TxnAsync([], [], null, cancellationToken);
    }
}
