using System.Globalization;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Election.Services;

/// <summary>
/// The minimal real coordinator service: on each start as primary it reads and increments the fenced counter
/// <c>{root}/meta/{role}/epoch</c> (the Txn also compares the counter's ModRevision), so every takeover is visible
/// in etcd as exactly one increment — also when the same term leads twice (its guard expired while its lease
/// survived), which is one takeover and keeps its one increment. While standby it keeps reading the counter (its warm-up).
/// </summary>
public abstract class EpochCoordinatorService : ICoordinatorService
{
    private readonly EtcdClient _etcd;
    private readonly string _epochKey;
    private long _epoch;
    // The counter and its ModRevision as last read while standby: the takeover tries them first (one round trip).
    private long _knownEpoch;
    private long _knownModRevision;
    // The term this process last incremented the counter for, and the ModRevision of that write (0: none yet).
    private long _bumpedTerm;
    private long _bumpedModRevision;

    /// <summary>Creates the service of <paramref name="role"/>.</summary>
    protected EpochCoordinatorService(string role, EtcdClient etcd, EtcdLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Role = role;
        _etcd = etcd;
        _epochKey = layout.EpochKey(role);
    }

    /// <summary>The role served.</summary>
    public string Role { get; }

    /// <summary>The epoch this process set when it last became primary, or last read while standby.</summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    /// <inheritdoc />
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var r = await _etcd.GetAsync(_epochKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        var epoch = r.Kvs.Count == 0 ? 0 : Parse(r.Kvs[0].Value.ToStringUtf8());
        Interlocked.Exchange(ref _epoch, epoch);
        Volatile.Write(ref _knownEpoch, epoch);
        Volatile.Write(ref _knownModRevision, r.Kvs.Count == 0 ? 0 : r.Kvs[0].ModRevision);
        await OnWarmUpAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A role's own warm-up step, after the epoch was read.</summary>
    protected virtual Task OnWarmUpAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// A role's own start as primary, after the epoch increment committed at <paramref name="epochRevision"/> (a fenced
    /// write: every write of an earlier term is at a lower revision). Serving begins when it completes.
    /// </summary>
    protected virtual Task OnPrimaryAsync(long term, IFencedStore store, long epochRevision, CancellationToken leadership) => Task.CompletedTask;

    /// <summary>A role's own stop, after leadership ended.</summary>
    protected virtual Task OnStopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public async Task StartAsync(long term, IFencedStore store, CancellationToken leadership)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (term == Volatile.Read(ref _bumpedTerm) && await OwnBumpReadAtAsync(store, leadership).ConfigureAwait(false) is > 0 and var now)
        {
            // Leading again with the same term (the lease guard expired but the lease, and so the candidate key, survived):
            // no one led in between, and this term's takeover is already counted. A second increment would count it twice.
            // The role still starts again, with the read's revision as its barrier: this term's own writes from its
            // first stint come after the epoch increment, and the role must see them too.
            await OnPrimaryAsync(store.Term, store, now, leadership).ConfigureAwait(false);
            return;
        }
        long current = Volatile.Read(ref _knownEpoch), modRevision = Volatile.Read(ref _knownModRevision);
        while (true)
        {
            leadership.ThrowIfCancellationRequested();
            var next = current + 1;
            // Compare-and-increment; when the counter moved since we read it, the else branch returns it.
            var txn = await store.TxnAsync(
                [Cmp.ModRevision(_epochKey) == modRevision],
                [Op.Put(_epochKey, next.ToString(CultureInfo.InvariantCulture))],
                [Op.Get(_epochKey)],
                leadership).ConfigureAwait(false);
            if (txn.Succeeded)
            {
                Interlocked.Exchange(ref _epoch, next);
                Volatile.Write(ref _bumpedModRevision, txn.Header.Revision);
                Volatile.Write(ref _bumpedTerm, term);
                await OnPrimaryAsync(store.Term, store, txn.Header.Revision, leadership).ConfigureAwait(false);
                return;
            }
            var kvs = txn.Responses[0].ResponseRange.Kvs;
            current = kvs.Count == 0 ? 0 : Parse(kvs[0].Value.ToStringUtf8());
            modRevision = kvs.Count == 0 ? 0 : kvs[0].ModRevision;
        }
    }

    /// <summary>
    /// When the counter is still the value this process wrote for its last term (read through the fenced store): the
    /// read's revision; otherwise 0.
    /// </summary>
    private async Task<long> OwnBumpReadAtAsync(IFencedStore store, CancellationToken leadership)
    {
        var r = await store.GetAsync(_epochKey, leadership).ConfigureAwait(false);
        if (r.Kvs.Count == 1 && r.Kvs[0].ModRevision == Volatile.Read(ref _bumpedModRevision))
        {
            Interlocked.Exchange(ref _epoch, Parse(r.Kvs[0].Value.ToStringUtf8()));
            return r.Header.Revision;
        }
        return 0;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => OnStopAsync(cancellationToken);

    private static long Parse(string text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;
}
