using System.Globalization;
using System.Text.Json.Nodes;
using Coordinators.Actors.Etcd;
using Mvccpb;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Host.Demo;

/// <summary>An election candidate: its lease and its place in the queue (the key's CreateRevision).</summary>
internal sealed record Candidate(long LeaseId, long CreateRevision);

/// <summary>An immutable picture of the cluster as etcd holds it at one revision.</summary>
internal sealed record ClusterSnapshot(
    long Revision,
    IReadOnlyDictionary<long, SessionInfo> Sessions,
    IReadOnlyDictionary<string, SessionInfo> Active,
    IReadOnlyDictionary<string, IReadOnlyList<Candidate>> Candidates,
    IReadOnlyDictionary<string, long> Epochs)
{
    public static readonly ClusterSnapshot Empty = new(0, new Dictionary<long, SessionInfo>(), new Dictionary<string, SessionInfo>(),
        new Dictionary<string, IReadOnlyList<Candidate>>(), new Dictionary<string, long>());

    /// <summary>The sessions of a role's standbys in queue order (the candidates after the leader, mapped by lease).</summary>
    public IReadOnlyList<SessionInfo> Standbys(string role)
    {
        if (!Candidates.TryGetValue(role, out var queue))
        {
            return [];
        }
        var byLease = Sessions.Values.Where(s => s.Role == role).ToDictionary(s => s.LeaseId);
        Active.TryGetValue(role, out var active);
        return queue.Select(c => byLease.GetValueOrDefault(c.LeaseId)).OfType<SessionInfo>()
            .Where(s => active is null || s.ServerId != active.ServerId).ToList();
    }

    /// <summary>The process sessions of a role, by ServerID.</summary>
    public IReadOnlyList<SessionInfo> SessionsOf(string role) =>
        Sessions.Values.Where(s => s.Role == role).OrderBy(s => s.ServerId).ToList();

    /// <summary>The epoch counter of a role, 0 when absent.</summary>
    public long Epoch(string role) => Epochs.GetValueOrDefault(role);
}

/// <summary>
/// Mirrors everything under the run's root prefix: a Range, then a Watch from the next revision (no gap, no
/// duplicate). Each change publishes a new <see cref="ClusterSnapshot"/> and records an event.
/// </summary>
internal sealed class ClusterView
{
    private readonly EtcdClient _etcd;
    private readonly EtcdLayout _layout;
    private readonly DemoEvents _events;
    // Mutable state; only the watch loop writes it, readers take Current.
    private readonly Dictionary<long, SessionInfo> _sessions = [];
    private readonly Dictionary<string, SessionInfo> _active = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<long, Candidate>> _candidates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _epochs = new(StringComparer.Ordinal);
    // Session key -> ServerID, so a DELETE (which carries no value) finds what it removed.
    private readonly Dictionary<string, long> _sessionKeys = new(StringComparer.Ordinal);
    private volatile ClusterSnapshot _current = ClusterSnapshot.Empty;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ClusterView(EtcdClient etcd, EtcdLayout layout, DemoEvents events)
    {
        _etcd = etcd;
        _layout = layout;
        _events = events;
    }

    /// <summary>Raised on the watch loop after every applied change.</summary>
    public event Action<ClusterSnapshot>? Changed;

    public ClusterSnapshot Current => _current;

    /// <summary>Completes at the next change after the call.</summary>
    public Task NextChange => Volatile.Read(ref _changed).Task;

    /// <summary>Loads the current state and follows the watch until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var prefix = _layout.Root + "/";
        var initial = await _etcd.GetPrefixAsync(prefix, cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var kv in initial.Kvs)
        {
            Apply(Event.Types.EventType.Put, kv, record: false);
        }
        Publish(initial.Header.Revision);
        var watch = new WatchOptions { Prefix = true, StartRevision = initial.Header.Revision + 1 };
        await foreach (var response in _etcd.Watch(prefix, watch, cancellationToken).ConfigureAwait(false))
        {
            if (response.Events.Count == 0)
            {
                continue;
            }
            foreach (var e in response.Events)
            {
                Apply(e.Type, e.Kv, record: true);
            }
            Publish(response.Header.Revision);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the current snapshot; false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForAsync(Func<ClusterSnapshot, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (true)
        {
            var next = NextChange;
            if (condition(Current))
            {
                return true;
            }
            try
            {
                await next.WaitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return condition(Current);
            }
        }
    }

    private void Publish(long revision)
    {
        _current = new ClusterSnapshot(
            revision,
            new Dictionary<long, SessionInfo>(_sessions),
            new Dictionary<string, SessionInfo>(_active, StringComparer.Ordinal),
            _candidates.ToDictionary(p => p.Key, p => (IReadOnlyList<Candidate>)p.Value.Values.ToList(), StringComparer.Ordinal),
            new Dictionary<string, long>(_epochs, StringComparer.Ordinal));
        var done = Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        done.TrySetResult();
        Changed?.Invoke(_current);
    }

    private void Apply(Event.Types.EventType type, KeyValue kv, bool record)
    {
        var key = kv.Key.ToStringUtf8();
        var put = type == Event.Types.EventType.Put;
        if (_layout.TryParseSessionKey(key, out var role, out var serverId))
        {
            if (serverId > 0)
            {
                ApplySession(key, kv, put, record);
            }
            else if (Roles.IsCoordinator(role))
            {
                ApplyActive(role, kv, put, record);
            }
            return;
        }
        foreach (var r in Roles.Coordinators)
        {
            var electionPrefix = _layout.ElectionPrefix(r);
            if (key.StartsWith(electionPrefix, StringComparison.Ordinal))
            {
                ApplyCandidate(r, key[electionPrefix.Length..], kv, put, record);
                return;
            }
            if (key == _layout.EpochKey(r) && put)
            {
                var text = kv.Value.ToStringUtf8().Trim();
                // A decimal counter is the documented form; fall back to the key's version otherwise.
                var epoch = long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : kv.Version;
                _epochs[r] = epoch;
                if (record)
                {
                    _events.Add("epoch", null, new JsonObject { ["role"] = r, ["epoch"] = epoch, ["revision"] = kv.ModRevision });
                }
                return;
            }
        }
    }

    private void ApplySession(string key, KeyValue kv, bool put, bool record)
    {
        if (!put)
        {
            if (_sessionKeys.Remove(key, out var gone) && _sessions.Remove(gone, out var old) && record)
            {
                _events.Add("session-del", null, new JsonObject { ["role"] = old.Role, ["serverId"] = gone, ["pid"] = old.Pid });
            }
            return;
        }
        if (!SessionInfo.TryParse(kv.Value.ToStringUtf8(), out var session, out _) || session is null)
        {
            return;
        }
        _sessionKeys[key] = session.ServerId;
        var isNew = _sessions.TryAdd(session.ServerId, session);
        _sessions[session.ServerId] = session;
        if (record && isNew)
        {
            _events.Add("session-put", null, new JsonObject
            {
                ["role"] = session.Role, ["serverId"] = session.ServerId, ["pid"] = session.Pid, ["address"] = session.Address,
            });
        }
    }

    private void ApplyActive(string role, KeyValue kv, bool put, bool record)
    {
        if (!put)
        {
            if (_active.Remove(role, out var old) && record)
            {
                _events.Add("active-del", null, new JsonObject { ["role"] = role, ["serverId"] = old.ServerId, ["term"] = old.Term });
            }
            return;
        }
        if (!SessionInfo.TryParse(kv.Value.ToStringUtf8(), out var session, out _) || session is null)
        {
            return;
        }
        var changed = !_active.TryGetValue(role, out var previous) || previous.ServerId != session.ServerId || previous.Term != session.Term;
        _active[role] = session;
        if (record && changed)
        {
            _events.Add("active-put", null, new JsonObject
            {
                ["role"] = role, ["serverId"] = session.ServerId, ["pid"] = session.Pid, ["term"] = session.Term,
                ["revision"] = kv.ModRevision,
            });
        }
    }

    private void ApplyCandidate(string role, string leaseHex, KeyValue kv, bool put, bool record)
    {
        if (!long.TryParse(leaseHex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var leaseId))
        {
            return;
        }
        if (!_candidates.TryGetValue(role, out var queue))
        {
            _candidates[role] = queue = [];
        }
        if (put)
        {
            // A DELETE carries no CreateRevision, so the queue is indexed by lease and re-sorted on publish.
            queue.Remove(queue.FirstOrDefault(p => p.Value.LeaseId == leaseId).Key);
            queue[kv.CreateRevision] = new Candidate(leaseId, kv.CreateRevision);
        }
        else
        {
            var entry = queue.FirstOrDefault(p => p.Value.LeaseId == leaseId);
            if (entry.Value is not null)
            {
                queue.Remove(entry.Key);
            }
        }
        if (record)
        {
            _events.Add(put ? "candidate-put" : "candidate-del", null, new JsonObject { ["role"] = role, ["lease"] = leaseHex });
        }
    }
}
