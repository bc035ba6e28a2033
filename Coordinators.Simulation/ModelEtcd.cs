using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Grpc.Core;

namespace Coordinators.Simulation;

/// <summary>
/// A model of the etcd the election sees, on the simulation's virtual clock: one revision counter, keys with
/// create/mod revisions and leases, leases with a TTL expired by a lessor tick (etcd's is ~500 ms), the election's
/// transactions (the compares of ElectionQueries and FencedStore), DELETE watches from a revision with compaction,
/// and leader loss (unavailable; leases extended by a full TTL when it ends, as a new etcd leader does). Every
/// fenced write it accepts is audited against the current leader of the election.
/// </summary>
internal sealed class ModelEtcd(SimLoop loop, string electionPrefix)
{
    private readonly Dictionary<string, Kv> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Lease> _leases = [];
    private readonly List<(long Revision, string Key)> _deletes = [];
    private readonly List<Watcher> _watchers = [];
    private long _nextLease = 0x694d00;
    private long _lastFencedTerm;

    /// <summary>The store revision (etcd's header revision).</summary>
    public long Revision { get; private set; } = 1;

    /// <summary>Revisions at or below this are compacted away.</summary>
    public long CompactedRevision { get; private set; }

    /// <summary>False while the store is unreachable (leader loss).</summary>
    public bool Available { get; private set; } = true;

    /// <summary>Switch for the check of the simulation itself: fenced writes skip the term compare.</summary>
    public bool FenceDisabled { get; init; }

    /// <summary>Called with a description when an accepted fenced write breaks an invariant.</summary>
    public Action<string>? Violation { get; set; }

    /// <summary>Fenced writes accepted so far.</summary>
    public long FencedWrites { get; private set; }

    private sealed record Kv(string Value, long Create, long Mod, long Lease);

    private sealed class Lease(long ttl, long expiry)
    {
        public long Ttl { get; } = ttl;
        public long Expiry { get; set; } = expiry;
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
    }

    private sealed record Watcher(string Key, long From, Action<long> Deleted, Action Broken);

    public long Grant(TimeSpan ttl)
    {
        var id = _nextLease++;
        _leases[id] = new Lease(ttl.Ticks, loop.Now + ttl.Ticks);
        loop.Trace($"etcd lease {id:x} granted ttl={ttl.TotalSeconds}s");
        return id;
    }

    /// <summary>Renews the lease; returns its TTL in seconds, or 0 when it is gone (etcd's TTL &lt;= 0 answer).</summary>
    public long KeepAlive(long lease)
    {
        if (!_leases.TryGetValue(lease, out var l))
        {
            return 0;
        }
        l.Expiry = loop.Now + l.Ttl;
        return l.Ttl / TimeSpan.TicksPerSecond;
    }

    /// <summary>Revokes the lease and deletes its keys; false when there is no such lease.</summary>
    public bool Revoke(long lease, string why)
    {
        if (!_leases.Remove(lease, out var l))
        {
            return false;
        }
        loop.Trace($"etcd lease {lease:x} {why}");
        Delete([.. l.Keys.Order(StringComparer.Ordinal)]);
        return true;
    }

    /// <summary>The lessor tick: revokes every lease past its expiry.</summary>
    public void Tick()
    {
        if (!Available)
        {
            return;
        }
        foreach (var id in _leases.Where(kv => kv.Value.Expiry <= loop.Now).Select(kv => kv.Key).Order().ToList())
        {
            Revoke(id, "expired");
        }
    }

    /// <summary>Leader loss begins: nothing answers, leases are not expired.</summary>
    public void GoDown()
    {
        Available = false;
        loop.Trace("etcd unreachable (leader loss)");
        // Every watch stream breaks; the clients resume once it answers again.
        var broken = _watchers.ToList();
        _watchers.Clear();
        foreach (var w in broken)
        {
            w.Broken();
        }
    }

    /// <summary>A new leader: every lease gets a full TTL from now (etcd's lessor promotion).</summary>
    public void ComeBack()
    {
        Available = true;
        foreach (var l in _leases.Values)
        {
            l.Expiry = Math.Max(l.Expiry, loop.Now + l.Ttl);
        }
        loop.Trace("etcd reachable again, leases extended");
    }

    public void Compact(long keepLast)
    {
        var to = Revision - keepLast;
        if (to > CompactedRevision)
        {
            CompactedRevision = to;
            _deletes.RemoveAll(d => d.Revision <= to);
        }
    }

    /// <summary>The key of the election's leader (lowest CreateRevision) and its term, or (null, 0).</summary>
    public (string? Key, long Term) Leader()
    {
        string? key = null;
        long term = 0;
        foreach (var (k, kv) in _keys)
        {
            if (k.StartsWith(electionPrefix, StringComparison.Ordinal) && (key is null || kv.Create < term))
            {
                (key, term) = (k, kv.Create);
            }
        }
        return (key, term);
    }

    public long CreateRevision(string key) => _keys.TryGetValue(key, out var kv) ? kv.Create : 0;

    public string? Value(string key) => _keys.TryGetValue(key, out var kv) ? kv.Value : null;

    /// <summary>ElectionQueries.PutCandidateAsync: If CreateRevision == 0 Then Put(lease) Else Get.</summary>
    public long PutCandidate(string key, string value, long lease)
    {
        if (_keys.TryGetValue(key, out var kv))
        {
            return kv.Create;
        }
        Put(key, value, lease);
        return _keys[key].Create;
    }

    /// <summary>The session's ServerID counter: If ModRevision(key) == modRevision Then Put Else Get.</summary>
    public CounterSwap CompareAndPut(string key, long modRevision, string value)
    {
        var found = _keys.TryGetValue(key, out var kv);
        if ((found ? kv!.Mod : 0) != modRevision)
        {
            return found ? new CounterSwap(false, kv!.Mod, kv.Value) : new CounterSwap(false, 0, null);
        }
        Put(key, value, 0);
        return CounterSwap.Swapped;
    }

    /// <summary>The session key: If CreateRevision(key) == 0 Then Put(lease); the revision, or null when it exists.</summary>
    public long? PutIfAbsent(string key, string value, long lease)
    {
        if (_keys.ContainsKey(key))
        {
            return null;
        }
        Put(key, value, lease);
        loop.Trace($"etcd put {key} lease={lease:x} rev={Revision}");
        return Revision;
    }

    /// <summary>ElectionQueries.RankAsync: the nearest predecessor while the own key has <paramref name="term"/>.</summary>
    public (bool OwnKeyGone, string? Predecessor, long Revision, bool OnlyOneAhead) Rank(string prefix, string key, long term)
    {
        if (CreateRevision(key) != term)
        {
            return (true, null, Revision, false);
        }
        var ahead = _keys.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal) && kv.Value.Create < term)
            .OrderByDescending(kv => kv.Value.Create).Select(kv => kv.Key).Take(2).ToList();
        return (false, ahead.FirstOrDefault(), Revision, ahead.Count == 1);
    }

    /// <summary>ElectionQueries.ResignAsync: the active key too while the term holds; always the candidate key.</summary>
    public void Resign(string activeKey, string candidateKey, long term)
    {
        Delete(term > 0 && CreateRevision(candidateKey) == term ? [activeKey, candidateKey] : [candidateKey]);
    }

    /// <summary>
    /// FencedStore.TxnAsync: If CreateRevision(candidate) == term Then puts. Returns false when the fence failed.
    /// An accepted write is audited: its term must be the current leader's, and terms of accepted writes only rise.
    /// </summary>
    public bool FencedPut(int process, string candidateKey, long term, IReadOnlyList<(string Key, string Value, long Lease)> puts)
    {
        if (!FenceDisabled && CreateRevision(candidateKey) != term)
        {
            return false;
        }
        var (leaderKey, leaderTerm) = Leader();
        if (leaderTerm != term)
        {
            Violation?.Invoke($"fenced write of p{process} term {term} accepted while the current term is {leaderTerm} ({leaderKey ?? "no leader"})");
        }
        if (term < _lastFencedTerm)
        {
            Violation?.Invoke($"fenced write of p{process} term {term} accepted after one of term {_lastFencedTerm}: terms went back");
        }
        _lastFencedTerm = Math.Max(_lastFencedTerm, term);
        FencedWrites++;
        foreach (var (key, value, lease) in puts)
        {
            Put(key, value, lease);
        }
        return true;
    }

    /// <summary>
    /// Registers a DELETE watch of <paramref name="key"/> from <paramref name="from"/>; a delete already in the
    /// history at or after it fires at once. Throws <see cref="EtcdCompactedException"/> below the compaction.
    /// </summary>
    public Action Watch(string key, long from, Action<long> deleted, Action broken)
    {
        if (from > 0 && from <= CompactedRevision)
        {
            throw new EtcdCompactedException(CompactedRevision, from);
        }
        var past = _deletes.FirstOrDefault(d => d.Key == key && d.Revision >= from && from > 0);
        if (past.Key is not null)
        {
            deleted(past.Revision);
            return () => { };
        }
        var w = new Watcher(key, from, deleted, broken);
        _watchers.Add(w);
        return () => _watchers.Remove(w);
    }

    private void Put(string key, string value, long lease)
    {
        if (lease != 0 && !_leases.ContainsKey(lease))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"etcdserver: requested lease not found ({lease:x})"));
        }
        Revision++;
        var create = _keys.TryGetValue(key, out var old) ? old.Create : Revision;
        if (old is not null && old.Lease != 0 && _leases.TryGetValue(old.Lease, out var oldLease))
        {
            oldLease.Keys.Remove(key);
        }
        _keys[key] = new Kv(value, create, Revision, lease);
        if (lease != 0)
        {
            _leases[lease].Keys.Add(key);
        }
        if (create == Revision && key.StartsWith(electionPrefix, StringComparison.Ordinal))
        {
            loop.Trace($"etcd put {key} create={create}");
        }
    }

    private void Delete(string[] keys)
    {
        var gone = keys.Where(_keys.ContainsKey).ToList();
        if (gone.Count == 0)
        {
            return;
        }
        Revision++;
        foreach (var key in gone)
        {
            var kv = _keys[key];
            _keys.Remove(key);
            if (kv.Lease != 0 && _leases.TryGetValue(kv.Lease, out var l))
            {
                l.Keys.Remove(key);
            }
            _deletes.Add((Revision, key));
            loop.Trace($"etcd delete {key} rev={Revision}");
        }
        foreach (var w in _watchers.Where(w => gone.Contains(w.Key) && Revision >= w.From).ToList())
        {
            _watchers.Remove(w);
            w.Deleted(Revision);
        }
    }
}
