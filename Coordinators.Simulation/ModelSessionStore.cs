using System.Globalization;
using System.Threading.Channels;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Grpc.Core;

namespace Coordinators.Simulation;

/// <summary>
/// The session's store operations of one simulated process against the model etcd, each through the faulty network as
/// <see cref="EtcdSessionStore"/> makes it: the ServerID counter Txn, lease grant, session-key put and read, the watch of the own
/// key (<see cref="ModelWatch"/>), revoke (NotFound when the lease is gone), and a keep-alive (<see cref="ModelKeepAlive"/>).
/// Its clock is the process's drifting one. A caller that gives up (its token fires) sees its call cancelled at once.
/// </summary>
internal sealed class ModelSessionStore(SimProcess process, SimWorld world) : ISessionStore
{
    // Leases revoked through this process (EtcdClient's record): their keep-alive then ends as Revoked, not Expired.
    private readonly HashSet<long> _revoked = [];

    public TimeProvider Time => process.Clock;

    private SimNetwork Net => world.Net;

    private ModelEtcd Etcd => world.Etcd;

    public Task<CounterSwap> CompareAndPutAsync(string key, long modRevision, string value, CancellationToken ct) =>
        SimTasks.Cancellable(Net.Call(process, "server-id txn", () => Etcd.CompareAndPut(key, modRevision, value)), ct);

    public Task<long> GrantLeaseAsync(long ttlSeconds, CancellationToken ct) =>
        SimTasks.Cancellable(Net.Call(process, "grant", () => Etcd.Grant(TimeSpan.FromSeconds(ttlSeconds))), ct);

    public ISessionKeepAlive KeepAlive(long leaseId, TimeSpan interval, CancellationToken ct) =>
        new ModelKeepAlive(process, world, leaseId, interval, () => _revoked.Contains(leaseId), ct);

    public Task<long?> PutIfAbsentAsync(string key, string value, long leaseId, CancellationToken ct) =>
        SimTasks.Cancellable(Net.Call(process, "session put", () => Etcd.PutIfAbsent(key, value, leaseId)), ct);

    public Task WatchDeleteAsync(string key, long fromRevision, CancellationToken ct) =>
        ModelWatch.DeleteAsync(process, Net, Etcd, world.Loop, key, fromRevision, ct);

    public Task<KeyRevisions> GetCreateRevisionAsync(string key, CancellationToken ct) =>
        SimTasks.Cancellable(Net.Call(process, "session read", () => new KeyRevisions(Etcd.CreateRevision(key), Etcd.Revision)), ct);

    public Task RevokeLeaseAsync(long leaseId, CancellationToken ct)
    {
        _revoked.Add(leaseId);
        return SimTasks.Cancellable(Net.Call(process, "revoke", () => Etcd.Revoke(leaseId, "revoked")
            ? true
            : throw new RpcException(new Status(StatusCode.NotFound, "etcdserver: requested lease not found"))), ct);
    }
}

/// <summary>
/// LeaseKeepAlive's contract on the model: a request every interval (the first at once) while the process runs, each
/// through the network (so answers reorder and get lost); every acknowledgement reported with the send time of the
/// request it answers; the end reported once: TTL &lt;= 0 (Expired, or Revoked when revoked here), or no acknowledged
/// request within the TTL (StreamBroken; before the first answer, after more than three failures or ten periods).
/// Its multi-stream failover over etcd members is transport, not modelled.
/// </summary>
internal sealed class ModelKeepAlive : ISessionKeepAlive
{
    private readonly SimProcess _process;
    private readonly SimWorld _world;
    private readonly TimeSpan _interval;
    private readonly Func<bool> _revokedHere;
    private readonly CancellationTokenRegistration _stopOnCancel;
    // Unbounded and completed inline: the session's pump runs on the simulator's thread as each event is written.
    private readonly Channel<LeaseKeepAliveEvent> _events = Channel.CreateUnbounded<LeaseKeepAliveEvent>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
    // Send time (process clock) of the newest acknowledged request; the start until the first answer.
    private long _lastAckSent;
    // TTL in seconds of the last answer; 0 before the first.
    private long _lastTtl;
    // Requests failed since the last answer.
    private int _failures;
    private bool _stopped;

    public ModelKeepAlive(SimProcess process, SimWorld world, long leaseId, TimeSpan interval, Func<bool> revokedHere, CancellationToken ct)
    {
        _process = process;
        _world = world;
        LeaseId = leaseId;
        _interval = interval;
        _revokedHere = revokedHere;
        _lastAckSent = process.Clock.GetTimestamp();
        _stopOnCancel = ct.Register(Stop);
        Send();
    }

    public long LeaseId { get; }

    public ChannelReader<LeaseKeepAliveEvent> Events => _events.Reader;

    public ValueTask DisposeAsync()
    {
        Stop();
        _stopOnCancel.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Stop()
    {
        _stopped = true;
        _events.Writer.TryComplete();
    }

    private void Send()
    {
        if (_stopped || LostByTime())
        {
            return;
        }
        var sentAt = _process.Clock.GetTimestamp();
        var answer = _world.Net.Call(_process, "keep-alive", () => _world.Etcd.KeepAlive(LeaseId));
        SimTasks.OnCompleted(answer, () =>
        {
            if (answer.IsCompletedSuccessfully)
            {
                OnAnswer(answer.Result, sentAt);
            }
            else
            {
                _failures++;
            }
        });
        _world.Loop.After(_interval, () => _process.Deliver(Send));
    }

    private bool LostByTime()
    {
        var sinceAck = _process.Clock.GetElapsedTime(_lastAckSent);
        if ((_lastTtl > 0 && sinceAck >= TimeSpan.FromSeconds(_lastTtl)) || (_lastTtl == 0 && (_failures > 3 || sinceAck >= _interval * 10)))
        {
            Lost(LeaseLossReason.StreamBroken, string.Create(CultureInfo.InvariantCulture, $"no member renewed the lease for {sinceAck.TotalSeconds:F1}s ({_failures} failures)"));
            return true;
        }
        return false;
    }

    private void OnAnswer(long ttl, long sentAt)
    {
        if (_stopped)
        {
            return;
        }
        if (ttl <= 0)
        {
            var revoked = _revokedHere();
            Lost(revoked ? LeaseLossReason.Revoked : LeaseLossReason.Expired,
                revoked ? "the lease was revoked" : "etcd reports the lease expired (TTL <= 0)");
            return;
        }
        _failures = 0;
        _lastAckSent = Math.Max(_lastAckSent, sentAt);
        _lastTtl = ttl;
        _events.Writer.TryWrite(new LeaseAcknowledged(LeaseId, ttl, sentAt, _process.Clock.GetTimestamp()));
    }

    private void Lost(LeaseLossReason reason, string detail)
    {
        _world.Loop.Trace($"p{_process.Id} keep-alive of lease {LeaseId:x} lost: {reason} {detail}");
        _events.Writer.TryWrite(new LeaseLost(LeaseId, reason, detail));
        Stop();
    }
}
