using System.Globalization;
using Coordinators.Actors.Config;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;
using Coordinators.Actors.Transport;
using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coordinators.Actors.Election.Services;

/// <summary>
/// RootCoord: the fenced epoch counter plus the timestamp oracle and the ID allocator. Each term reads the persisted
/// bounds (<c>{root}/meta/rootcoord/tso</c>, <c>.../id</c>), waits for the clock to pass the timestamp bound, persists
/// new bounds a window (a block) ahead by a fenced Txn, and only then serves; a bound is always persisted before
/// anything at or below it is handed out. Allocations are refused unless the term serves and the lease guard vouches.
/// </summary>
public sealed class RootCoordService : EpochCoordinatorService, IResignWrites
{
    private readonly EtcdLayout _layout;
    private readonly RootCoordOptions _options;
    private readonly TimeProvider _time;
    private readonly LeaseGuard? _guard;
    private readonly ILogger _log;
    // The serving term's state; null while not primary.
    private volatile TermState? _current;

    /// <summary>Creates the service.</summary>
    public RootCoordService(EtcdClient etcd, EtcdLayout layout, RootCoordOptions? options = null, LeaseGuard? guard = null, TimeProvider? time = null, ILogger? log = null)
        : base(Roles.RootCoord, etcd, layout)
    {
        _layout = layout;
        _options = options ?? new RootCoordOptions();
        _time = time ?? TimeProvider.System;
        _guard = guard;
        _log = log ?? NullLogger.Instance;
    }

    /// <summary>The term serving allocations, or 0.</summary>
    public long ServingTerm => _current?.Term ?? 0;

    /// <summary>Hands out <paramref name="count"/> consecutive timestamps; throws Unavailable when not serving.</summary>
    public async Task<(ulong First, long Term)> AllocTimestampAsync(int count, CancellationToken cancellationToken)
    {
        if (count is < 1 or > (int)TimestampOracle.LogicalRange)
        {
            throw RpcErrors.Create(StatusCode.InvalidArgument, $"AllocTimestamp count {count} is outside 1..{TimestampOracle.LogicalRange}");
        }
        var t = Serving();
        while (true)
        {
            switch (t.Oracle.TryAllocate(count, out var first, out var needed))
            {
                case AllocOutcome.Ok:
                    Vouch(t);
                    if (t.Oracle.ShouldExtend(out var next))
                    {
                        t.ExtendInBackground(() => PersistAsync(t, _layout.TsoKey, next, () => t.Oracle.Bound, t.Oracle.Raise, t.Leadership));
                    }
                    return (first, t.Term);
                case AllocOutcome.Closed:
                    throw NotServing(t);
                default:
                    await PersistAsync(t, _layout.TsoKey, needed, () => t.Oracle.Bound, t.Oracle.Raise, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>Hands out <paramref name="count"/> IDs never handed out before; throws Unavailable when not serving.</summary>
    public async Task<(long First, long Term)> AllocIdAsync(int count, CancellationToken cancellationToken)
    {
        if (count is < 1 or > 1_000_000)
        {
            throw RpcErrors.Create(StatusCode.InvalidArgument, $"AllocID count {count} is outside 1..1000000");
        }
        var t = Serving();
        while (true)
        {
            switch (t.Ids.TryAllocate(count, out var first, out var needed))
            {
                case AllocOutcome.Ok:
                    Vouch(t);
                    return (first, t.Term);
                case AllocOutcome.Closed:
                    throw NotServing(t);
                default:
                    await PersistAsync(t, _layout.IdKey, needed, () => t.Ids.Bound, t.Ids.Raise, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<RequestOp> CloseForResign()
    {
        if (Interlocked.Exchange(ref _current, null) is not { } t)
        {
            return [];
        }
        // Lower the bounds to what was really handed out: the next primary then starts at once instead of waiting
        // out the window. Safe because nothing more is handed out in this term, and the Txn is fenced.
        return [Op.Put(_layout.TsoKey, Format(t.Oracle.Close())), Op.Put(_layout.IdKey, Format(t.Ids.Close()))];
    }

    /// <inheritdoc />
    protected override async Task OnPrimaryAsync(long term, IFencedStore store, long epochRevision, CancellationToken leadership)
    {
        var tsoBound = Parse(await store.GetAsync(_layout.TsoKey, leadership).ConfigureAwait(false));
        var idBound = Parse(await store.GetAsync(_layout.IdKey, leadership).ConfigureAwait(false));
        var oracle = new TimestampOracle(_time, _options.TsoWindow);
        var ids = new IdAllocator(_options.IdBlock);
        var wait = oracle.WaitBeforeOpen(tsoBound);
        if (wait > TimeSpan.Zero)
        {
            DutiesLog.WaitingForClock(_log, term, tsoBound, wait.TotalMilliseconds);
        }
        while (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, leadership).ConfigureAwait(false);
            wait = oracle.WaitBeforeOpen(tsoBound);
        }
        var firstTso = oracle.Open(tsoBound);
        ids.Open(idBound);
        var firstId = ids.Bound + _options.IdBlock;
        await store.TxnAsync([], [Op.Put(_layout.TsoKey, Format(firstTso)), Op.Put(_layout.IdKey, Format(firstId))], null, leadership).ConfigureAwait(false);
        oracle.Raise(firstTso);
        ids.Raise(firstId);
        var state = new TermState(term, store, oracle, ids, _log, leadership);
        leadership.Register(() =>
        {
            Interlocked.CompareExchange(ref _current, null, state);
            oracle.Close();
            ids.Close();
        });
        _current = leadership.IsCancellationRequested ? null : state;
        DutiesLog.RootCoordOpened(_log, term, tsoBound, idBound);
    }

    /// <inheritdoc />
    protected override async Task OnStopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _current, null) is { } t)
        {
            t.Oracle.Close();
            t.Ids.Close();
            await t.DrainAsync().ConfigureAwait(false);
        }
    }

    private TermState Serving()
    {
        var t = _current;
        if (t is null)
        {
            throw RpcErrors.Create(StatusCode.Unavailable, "rootcoord is not serving allocations (not primary)");
        }
        Vouch(t);
        return t;
    }

    // A paused primary resumed must hand out nothing: its lease may be gone and another primary serving.
    private void Vouch(TermState t)
    {
        if (t.Leadership.IsCancellationRequested)
        {
            throw NotServing(t);
        }
        if (_guard is { IsValid: false })
        {
            throw RpcErrors.Create(StatusCode.Unavailable, $"rootcoord term {t.Term}: the lease guard expired; nothing is handed out");
        }
    }

    private static RpcException NotServing(TermState t) =>
        RpcErrors.Create(StatusCode.Unavailable, $"rootcoord term {t.Term} is over; nothing is handed out");

    /// <summary>Persists <paramref name="bound"/> (fenced) unless a higher one already is, then records it. One at a time.</summary>
    private static async Task PersistAsync(TermState t, string key, long bound, Func<long> current, Action<long> raise, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, t.Leadership);
        await t.Persisting.WaitAsync(linked.Token).ConfigureAwait(false);
        try
        {
            if (current() >= bound)
            {
                return;
            }
            try
            {
                await t.Store.PutAsync(key, Format(bound), linked.Token).ConfigureAwait(false);
            }
            catch (LeadershipLostException e)
            {
                t.Oracle.Close();
                t.Ids.Close();
                throw RpcErrors.Create(StatusCode.Unavailable, $"rootcoord term {t.Term}: {e.Message}", e);
            }
            catch (OperationCanceledException e) when (t.Leadership.IsCancellationRequested)
            {
                throw RpcErrors.Create(StatusCode.Unavailable, $"rootcoord term {t.Term} ended while persisting its bound", e);
            }
            raise(bound);
        }
        finally
        {
            t.Persisting.Release();
        }
    }

    private static long Parse(RangeResponse r) =>
        r.Kvs.Count == 0 ? 0
        : long.TryParse(r.Kvs[0].Value.ToStringUtf8(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
        : throw new FormatException($"{r.Kvs[0].Key.ToStringUtf8()} holds '{r.Kvs[0].Value.ToStringUtf8()}', not a number");

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>One term's allocators and the fenced store they persist through.</summary>
    private sealed class TermState(long term, IFencedStore store, TimestampOracle oracle, IdAllocator ids, ILogger log, CancellationToken leadership)
    {
        private readonly Lock _lock = new();
        // The background bound extension in flight, if any; at most one.
        private Task? _extension;

        public long Term => term;
        public IFencedStore Store => store;
        public TimestampOracle Oracle => oracle;
        public IdAllocator Ids => ids;
        public CancellationToken Leadership => leadership;
        // One bound write at a time, so a slow write can never lower what a later one persisted.
        public SemaphoreSlim Persisting { get; } = new(1, 1);

        public void ExtendInBackground(Func<Task> persist)
        {
            lock (_lock)
            {
                if (_extension is { IsCompleted: false })
                {
                    return;
                }
                _extension = RunAsync(persist);
            }
        }

        public Task DrainAsync()
        {
            lock (_lock)
            {
                return _extension ?? Task.CompletedTask;
            }
        }

        private async Task RunAsync(Func<Task> persist)
        {
            try
            {
                await persist().ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException or LeadershipLostException)
            {
                // The request path persists on demand when this did not land; say why it did not.
                DutiesLog.Failed(log, $"rootcoord term {term}: extending the timestamp bound", e.Message);
            }
        }
    }
}
