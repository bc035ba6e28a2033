using System.Diagnostics;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Config;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;
using Coordinators.Actors.Transport;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coordinators.Actors.Election.Services;

/// <summary>
/// DataCoord: the fenced epoch counter plus the segment meta table under <c>{root}/meta/datacoord/segments/</c>.
/// With <c>warm-standby = on</c> a standby keeps a replica of the table (<see cref="SegmentReplica"/>); its takeover
/// waits only until the replica has applied the revision of its own epoch increment, then serves from it. Off, the new
/// primary reads the whole table at takeover. As primary every write is a fenced Txn and the table follows its own
/// writes; a segment's id comes from rootcoord's ID allocator (<see cref="AllocateId"/>, wired by the composition root).
/// </summary>
public sealed class DataCoordService : EpochCoordinatorService, IAsyncDisposable
{
    private readonly EtcdClient _etcd;
    private readonly EtcdLayout _layout;
    private readonly DataCoordOptions _options;
    private readonly LeaseGuard? _guard;
    private readonly ILogger _log;
    private readonly SegmentReplica _replica;
    // The term this process last served (0: none yet).
    private long _servedTerm;
    // The serving term, or null while not primary.
    private volatile TermState? _current;

    /// <summary>Creates the service.</summary>
    public DataCoordService(EtcdClient etcd, EtcdLayout layout, DataCoordOptions? options = null, LeaseGuard? guard = null, TimeProvider? time = null, ILogger? log = null)
        : base(Roles.DataCoord, etcd, layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        _etcd = etcd;
        _layout = layout;
        _options = options ?? new DataCoordOptions();
        _guard = guard;
        _log = log ?? NullLogger.Instance;
        _replica = new SegmentReplica(etcd, layout.MetaPrefix(Roles.DataCoord), layout.SegmentsPrefix, Table, time ?? TimeProvider.System, _log);
    }

    /// <summary>Hands out one segment id (rootcoord's allocator through the ConnectionManager); set before the first create.</summary>
    public Func<CancellationToken, Task<long>>? AllocateId { get; set; }

    /// <summary>The table: the replica while standby (warm), the primary's table while primary.</summary>
    public SegmentTable Table { get; } = new();

    /// <summary>True while the standby's replica is loaded and watching.</summary>
    public bool ReplicaLive => _replica.IsLive;

    /// <summary>Completes once the standby's replica has applied every change up to <paramref name="revision"/>.</summary>
    internal Task WaitForReplicaAsync(long revision, CancellationToken cancellationToken) => _replica.WaitForAsync(revision, cancellationToken);

    /// <summary>How the last takeover got its table ("warm ..." or "cold ..."), for logs and the benchmark.</summary>
    public string? LastTakeover { get; private set; }

    /// <summary>Creates a GROWING segment with an id from rootcoord; fenced.</summary>
    public async Task<(Segment Segment, long Term)> CreateSegmentAsync(long collectionId, long rowCount, string token, CancellationToken cancellationToken)
    {
        var t = Serving();
        var allocate = AllocateId ?? throw RpcErrors.Create(StatusCode.FailedPrecondition, "datacoord has no ID allocator wired (AllocateId is null)");
        var id = await allocate(cancellationToken).ConfigureAwait(false);
        var segment = new Segment { Id = id, CollectionId = collectionId, State = SegmentState.Growing, RowCount = rowCount, Token = token ?? string.Empty };
        var key = _layout.SegmentKey(id);
        var txn = await FencedAsync(t, id, s => s.TxnAsync([Cmp.CreateRevision(key) == 0], [Op.Put(EtcdKeys.Utf8(key), segment.ToByteString())], null, t.Leadership)).ConfigureAwait(false);
        if (!txn.Succeeded)
        {
            throw RpcErrors.Create(StatusCode.Internal, $"segment {id} from rootcoord's allocator already exists under {key}");
        }
        Table.Apply(segment, txn.Header.Revision);
        return (segment, t.Term);
    }

    /// <summary>Sets a segment's state and row count; fenced, and compared on the ModRevision the table holds.</summary>
    public async Task<(Segment Segment, long Term)> UpdateSegmentStateAsync(long id, SegmentState state, long rowCount, CancellationToken cancellationToken)
    {
        var t = Serving();
        var key = _layout.SegmentKey(id);
        for (var attempt = 0; ; attempt++)
        {
            if (!Table.TryGet(id, out var held, out var revision))
            {
                throw RpcErrors.Create(StatusCode.NotFound, $"segment {id} does not exist");
            }
            var next = held.Clone();
            next.State = state;
            next.RowCount = rowCount;
            cancellationToken.ThrowIfCancellationRequested();
            var txn = await FencedAsync(t, id, s => s.TxnAsync([Cmp.ModRevision(key) == revision], [Op.Put(EtcdKeys.Utf8(key), next.ToByteString())], [Op.Get(key)], t.Leadership)).ConfigureAwait(false);
            if (txn.Succeeded)
            {
                Table.Apply(next, txn.Header.Revision);
                return (next, t.Term);
            }
            // Another update of this segment landed first: take etcd's version and try again.
            var kvs = txn.Responses[0].ResponseRange.Kvs;
            if (kvs.Count == 0)
            {
                Table.Remove(id, txn.Header.Revision);
            }
            else
            {
                Table.Apply(SegmentTable.Parse(kvs[0]), kvs[0].ModRevision);
            }
            if (attempt >= 5)
            {
                throw RpcErrors.Create(StatusCode.Aborted, $"segment {id} kept changing under the update; try again");
            }
        }
    }

    /// <summary>The table as the primary holds it.</summary>
    public (IReadOnlyList<Segment> Segments, long Term) ListSegments(long collectionId)
    {
        var t = Serving();
        return (Table.Snapshot(collectionId), t.Term);
    }

    /// <inheritdoc />
    protected override Task OnWarmUpAsync(CancellationToken cancellationToken)
    {
        if (_options.WarmStandby && _current is null)
        {
            _replica.EnsureRunning();
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override async Task OnPrimaryAsync(long term, IFencedStore store, long epochRevision, CancellationToken leadership)
    {
        var started = Stopwatch.GetTimestamp();
        string how;
        if (term == _servedTerm && _replica.IsLive)
        {
            // The same term leading again (its guard lapsed, its lease lived): no other term wrote in between, the table
            // holds this term's writes and the watch behind it brings any still in flight. There is no epoch increment
            // for the replica to reach (the barrier is a read), so waiting for one would only run into the 5 s backstop.
            how = "warm: the same term again, the table and its watch carried over";
        }
        else if (_options.WarmStandby && _replica.IsLive && await CaughtUpAsync(epochRevision, leadership).ConfigureAwait(false))
        {
            how = $"warm: replica caught up to revision {epochRevision}";
        }
        else
        {
            await _replica.StopAsync().ConfigureAwait(false);
            var (segments, revision) = await SegmentTable.ReadAsync(_etcd, _layout.SegmentsPrefix, leadership).ConfigureAwait(false);
            Table.Reset(segments);
            _replica.EnsureRunning(loadedAt: revision);
            how = $"cold: read the table at revision {revision}";
        }
        // From here the table follows this primary's own writes at once, and the watch behind them: a write of this term
        // can commit after the read above (the same term leading again after its guard lapsed, with a write of its
        // previous stint still in etcd's pipeline, cancelled on this side: chaos seed 5, "the primary answers 1228
        // segments, etcd holds 1229"). Only this term can write now, and the table keeps the newer of the two.
        _servedTerm = term;
        var state = new TermState(term, store, leadership);
        leadership.Register(() => Interlocked.CompareExchange(ref _current, null, state));
        _current = leadership.IsCancellationRequested ? null : state;
        LastTakeover = how;
        DutiesLog.DataCoordOpened(_log, term, Table.Count, how, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <inheritdoc />
    protected override async Task OnStopAsync(CancellationToken cancellationToken)
    {
        _current = null;
        if (!_options.WarmStandby)
        {
            // A cold standby keeps no replica: the next takeover reads the table.
            await _replica.StopAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _current = null;
        await _replica.StopAsync().ConfigureAwait(false);
    }

    private async Task<bool> CaughtUpAsync(long revision, CancellationToken leadership)
    {
        try
        {
            // A live watch delivers within milliseconds; past a few seconds something is wrong: read the table instead.
            await _replica.WaitForAsync(revision, leadership).WaitAsync(TimeSpan.FromSeconds(5), leadership).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            DutiesLog.Failed(_log, "datacoord warm takeover (reading the table instead)", e.Message);
            return false;
        }
    }

    private TermState Serving()
    {
        var t = _current ?? throw RpcErrors.Create(StatusCode.Unavailable, "datacoord is not serving the segment meta (not primary)");
        if (t.Leadership.IsCancellationRequested)
        {
            throw RpcErrors.Create(StatusCode.Unavailable, $"datacoord term {t.Term} is over");
        }
        if (_guard is { IsValid: false })
        {
            throw RpcErrors.Create(StatusCode.Unavailable, $"datacoord term {t.Term}: the lease guard expired");
        }
        return t;
    }

    /// <summary>
    /// A write of segment <paramref name="id"/> through the term's fenced store. It runs on the term's token, not the caller's:
    /// once sent, a write may commit, and a caller that stopped waiting must not leave the table without it (the table
    /// follows this primary's own writes only). When etcd fails the call the outcome is unknown: the key is read back
    /// into the table before the error goes to the caller.
    /// </summary>
    private async Task<Etcdserverpb.TxnResponse> FencedAsync(TermState t, long id, Func<IFencedStore, Task<Etcdserverpb.TxnResponse>> write)
    {
        try
        {
            return await write(t.Store).ConfigureAwait(false);
        }
        catch (LeadershipLostException e)
        {
            throw RpcErrors.Create(StatusCode.Unavailable, $"datacoord term {t.Term}: {e.Message}", e);
        }
        catch (RpcException e) when (!t.Leadership.IsCancellationRequested)
        {
            await ReadBackAsync(t, id).ConfigureAwait(false);
            throw RpcErrors.Create(StatusCode.Unavailable, $"datacoord term {t.Term}: the write of segment {id} failed in etcd ({e.StatusCode}: {e.Status.Detail}); it may or may not have landed", e);
        }
    }

    /// <summary>
    /// Puts etcd's version of segment <paramref name="id"/> in the table after a write whose outcome is unknown. etcd
    /// failing the write often fails the read too (a leader election): the read is retried with backoff (50 ms doubling
    /// to 1 s) until it succeeds or the term ends, which rebuilds the table anyway. Giving up earlier left the primary
    /// answering a table without that write for the rest of its term (chaos seed 5: "the primary answers 1135 segments,
    /// etcd holds 1135, and they differ").
    /// </summary>
    private async Task ReadBackAsync(TermState t, long id)
    {
        var key = _layout.SegmentKey(id);
        var pause = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var r = await t.Store.GetAsync(key, t.Leadership).ConfigureAwait(false);
                if (r.Kvs.Count == 0)
                {
                    Table.Remove(id, r.Header.Revision);
                }
                else
                {
                    Table.Apply(SegmentTable.Parse(r.Kvs[0]), r.Kvs[0].ModRevision);
                }
                if (attempt > 1)
                {
                    DutiesLog.ReadBack(_log, key, attempt);
                }
                return;
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException or LeadershipLostException)
            {
                if (t.Leadership.IsCancellationRequested || e is LeadershipLostException)
                {
                    // The term ended: the next one reads or catches up the whole table.
                    return;
                }
                if (attempt == 1)
                {
                    DutiesLog.Failed(_log, $"datacoord reading {key} back after a failed write (retrying until it succeeds or the term ends)", e.Message);
                }
            }
            try
            {
                await Task.Delay(pause, t.Leadership).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            pause = TimeSpan.FromMilliseconds(Math.Min(1000, pause.TotalMilliseconds * 2));
        }
    }

    private sealed record TermState(long Term, IFencedStore Store, CancellationToken Leadership);
}
