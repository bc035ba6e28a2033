using System.Globalization;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;

namespace Coordinators.Actors.Election.Services;

/// <summary>
/// The minimal real coordinator service: on each start as primary it reads and increments the fenced counter
/// <c>{root}/meta/{role}/epoch</c> (the Txn also compares the counter's ModRevision), so every takeover is visible
/// in etcd as exactly one increment. While standby it keeps reading the counter (its warm-up).
/// </summary>
public abstract class EpochCoordinatorService : ICoordinatorService
{
    private readonly EtcdClient _etcd;
    private readonly string _epochKey;
    private long _epoch;

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
        Interlocked.Exchange(ref _epoch, r.Kvs.Count == 0 ? 0 : Parse(r.Kvs[0].Value.ToStringUtf8()));
    }

    /// <inheritdoc />
    public async Task StartAsync(long term, IFencedStore store, CancellationToken leadership)
    {
        ArgumentNullException.ThrowIfNull(store);
        while (true)
        {
            leadership.ThrowIfCancellationRequested();
            var current = await store.GetAsync(_epochKey, leadership).ConfigureAwait(false);
            var kv = current.Kvs.Count == 0 ? null : current.Kvs[0];
            var next = (kv is null ? 0 : Parse(kv.Value.ToStringUtf8())) + 1;
            var txn = await store.TxnAsync(
                [Cmp.ModRevision(_epochKey) == (kv?.ModRevision ?? 0)],
                [Op.Put(_epochKey, next.ToString(CultureInfo.InvariantCulture))],
                null,
                leadership).ConfigureAwait(false);
            if (txn.Succeeded)
            {
                Interlocked.Exchange(ref _epoch, next);
                return;
            }
            // Someone else moved the counter between our read and write (only possible for a deposed writer,
            // which the fence catches next round); read again.
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static long Parse(string text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;
}
