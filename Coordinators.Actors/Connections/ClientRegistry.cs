using System.Collections.Immutable;
using System.Threading.Channels;

namespace Coordinators.Actors.Connections;

/// <summary>
/// Where ClientActors publish their handles and where callers read them, without an actor round trip:
/// one immutable snapshot swapped atomically on every change (writes are rare, reads are the hot path).
/// Watchers of a role get Online/Offline events through bounded channels; waiters for a role's next change
/// (wait-for-primary) await a task replaced on each change.
/// </summary>
public sealed class ClientRegistry
{
    private readonly object _gate = new();
    // Every handle by etcd key. Replaced whole under _gate; read lock-free.
    private volatile Snapshot _snapshot = Snapshot.Empty;
    // Event subscribers per role; guarded by _gate.
    private readonly Dictionary<string, List<ChannelWriter<ClientEvent>>> _watchers = new(StringComparer.Ordinal);
    // Completed and replaced whenever a role's handles change; guarded by _gate.
    private readonly Dictionary<string, TaskCompletionSource> _changed = new(StringComparer.Ordinal);

    /// <summary>The Online handles of <paramref name="role"/>, in ServerID order.</summary>
    public ImmutableArray<ClientHandle> Online(string role) =>
        _snapshot.OnlineByRole.TryGetValue(role, out var list) ? list : [];

    /// <summary>Every handle of <paramref name="role"/> whatever its state, in ServerID order.</summary>
    public ImmutableArray<ClientHandle> All(string role) =>
        _snapshot.AllByRole.TryGetValue(role, out var list) ? list : [];

    /// <summary>The handle read from <paramref name="key"/>, or null.</summary>
    public ClientHandle? ByKey(string key) => _snapshot.ByKey.GetValueOrDefault(key);

    /// <summary>The newest handle of <paramref name="serverId"/> (an Online one when there is one), or null.</summary>
    public ClientHandle? ByServerId(long serverId) => _snapshot.ByServerId.GetValueOrDefault(serverId);

    /// <summary>Number of handles (any state), i.e. live ClientActors.</summary>
    public int Count => _snapshot.ByKey.Count;

    private static readonly ClientState[] s_liveStates = [ClientState.Connecting, ClientState.Online, ClientState.Offline];

    /// <summary>How many clients each role has in each live state (zero counts included), for the clients gauge.</summary>
    public IEnumerable<(string Role, string State, long Count)> CountByRoleAndState()
    {
        var snapshot = _snapshot;
        foreach (var (role, handles) in snapshot.AllByRole)
        {
            foreach (var state in s_liveStates)
            {
                var count = 0L;
                foreach (var h in handles)
                {
                    count += h.State == state ? 1 : 0;
                }
                yield return (role, state.ToString().ToLowerInvariant(), count);
            }
        }
    }

    /// <summary>Publishes or replaces the handle of its key and notifies the role's watchers on an Online/Offline change.</summary>
    public void Publish(ClientHandle handle, string reason)
    {
        ClientEvent? e;
        lock (_gate)
        {
            var old = _snapshot.ByKey.GetValueOrDefault(handle.Key);
            _snapshot = _snapshot.With(handle.Key, handle);
            e = Transition(old, handle, reason);
            Notify(handle.Role, e);
        }
    }

    /// <summary>Removes the handle of <paramref name="key"/> unless another ServerID has taken the key meanwhile.</summary>
    public void Remove(string key, ClientHandle expected, string reason)
    {
        lock (_gate)
        {
            var old = _snapshot.ByKey.GetValueOrDefault(key);
            if (old is null || old.ServerId != expected.ServerId)
            {
                return;
            }
            _snapshot = _snapshot.With(key, null);
            Notify(old.Role, old.IsOnline ? new ClientEvent(ClientEventKind.Offline, old.Role, old.ServerId, old.Address, reason) : null);
        }
    }

    /// <summary>A task that completes at the next change of <paramref name="role"/>'s handles.</summary>
    public Task NextChange(string role)
    {
        lock (_gate)
        {
            if (!_changed.TryGetValue(role, out var tcs))
            {
                tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _changed[role] = tcs;
            }
            return tcs.Task;
        }
    }

    /// <summary>
    /// Subscribes to <paramref name="role"/>'s events; the current Online handles are replayed first as Online
    /// events, so a subscriber never misses a client that connected before it subscribed.
    /// </summary>
    internal ChannelReader<ClientEvent> Subscribe(string role, out Action unsubscribe)
    {
        var channel = Channel.CreateUnbounded<ClientEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            foreach (var h in Online(role))
            {
                channel.Writer.TryWrite(new ClientEvent(ClientEventKind.Online, role, h.ServerId, h.Address, "already online"));
            }
            if (!_watchers.TryGetValue(role, out var list))
            {
                list = [];
                _watchers[role] = list;
            }
            list.Add(channel.Writer);
        }
        unsubscribe = () =>
        {
            lock (_gate)
            {
                if (_watchers.TryGetValue(role, out var l))
                {
                    l.Remove(channel.Writer);
                }
            }
            channel.Writer.TryComplete();
        };
        return channel.Reader;
    }

    /// <summary>Ends every subscription (the manager stopped).</summary>
    internal void CompleteAll()
    {
        lock (_gate)
        {
            foreach (var w in _watchers.Values.SelectMany(l => l))
            {
                w.TryComplete();
            }
            _watchers.Clear();
        }
    }

    private static ClientEvent? Transition(ClientHandle? old, ClientHandle now, string reason)
    {
        var wasOnline = old is { IsOnline: true } && old.ServerId == now.ServerId;
        if (now.IsOnline && !wasOnline)
        {
            return new ClientEvent(ClientEventKind.Online, now.Role, now.ServerId, now.Address, reason);
        }
        if (!now.IsOnline && old is { IsOnline: true })
        {
            return new ClientEvent(ClientEventKind.Offline, old.Role, old.ServerId, old.Address, reason);
        }
        return null;
    }

    // Called under _gate: events go out in the order of the changes.
    private void Notify(string role, ClientEvent? e)
    {
        if (e is not null && _watchers.TryGetValue(role, out var list))
        {
            foreach (var w in list)
            {
                w.TryWrite(e);
            }
        }
        if (_changed.Remove(role, out var tcs))
        {
            tcs.TrySetResult();
        }
    }

    /// <summary>One immutable view of every handle with the indexes the hot paths use.</summary>
    private sealed class Snapshot
    {
        public static readonly Snapshot Empty = new(ImmutableDictionary<string, ClientHandle>.Empty.WithComparers(StringComparer.Ordinal));

        private Snapshot(ImmutableDictionary<string, ClientHandle> byKey)
        {
            ByKey = byKey;
            var all = byKey.Values.OrderBy(h => h.ServerId).ToList();
            AllByRole = all.GroupBy(h => h.Role, StringComparer.Ordinal)
                .ToImmutableDictionary(g => g.Key, g => g.ToImmutableArray(), StringComparer.Ordinal);
            OnlineByRole = all.Where(h => h.IsOnline).GroupBy(h => h.Role, StringComparer.Ordinal)
                .ToImmutableDictionary(g => g.Key, g => g.ToImmutableArray(), StringComparer.Ordinal);
            var byServer = new Dictionary<long, ClientHandle>();
            foreach (var h in all)
            {
                if (!byServer.TryGetValue(h.ServerId, out var other) || (h.IsOnline && !other.IsOnline))
                {
                    byServer[h.ServerId] = h;
                }
            }
            ByServerId = byServer.ToImmutableDictionary();
        }

        public ImmutableDictionary<string, ClientHandle> ByKey { get; }

        public ImmutableDictionary<string, ImmutableArray<ClientHandle>> AllByRole { get; }

        public ImmutableDictionary<string, ImmutableArray<ClientHandle>> OnlineByRole { get; }

        public ImmutableDictionary<long, ClientHandle> ByServerId { get; }

        public Snapshot With(string key, ClientHandle? handle) =>
            new(handle is null ? ByKey.Remove(key) : ByKey.SetItem(key, handle));
    }
}
