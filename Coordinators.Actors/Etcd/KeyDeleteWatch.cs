using Grpc.Core;

namespace Coordinators.Actors.Etcd;

/// <summary>A key's CreateRevision (0 when it is absent) as of <paramref name="Revision"/>, the read's header revision.</summary>
internal readonly record struct KeyRevisions(long CreateRevision, long Revision);

/// <summary>
/// Waits for the DELETE of a key held since a known CreateRevision, as etcd's waitDelete does, for the session's own key
/// and a primary's candidate key. A watch that cannot go on says nothing about the key: one that resumed after a broken
/// stream from a revision etcd has compacted since (a key that never changes leaves the watch's revision behind, and an
/// etcd with auto-compaction compacts below it within minutes), or one etcd cancelled (no leader, a permission change).
/// Then the key is read, and while it is still the one created then, watched again from the read's revision + 1.
/// Cancels in a row back off (100 ms doubling to 5 s; a watch that lived 5 s resets the count) so a watch etcd keeps
/// refusing does not spin; a read while etcd is unreachable is retried (100 ms doubling to 1 s): an outage longer than
/// the TTL ends the holder's lease, and the holder cancels the wait.
/// </summary>
internal static class KeyDeleteWatch
{
    private static readonly TimeSpan LivedLong = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Completes when the key created at <paramref name="createRevision"/> is deleted at or after <paramref name="from"/>,
    /// or is found absent or created anew after a watch broke. <paramref name="watchDelete"/> watches from a revision and
    /// completes on a DELETE (an <see cref="EtcdCompactedException"/> or <see cref="EtcdWatchCanceledException"/> when it
    /// cannot); <paramref name="read"/> reads the key; <paramref name="resumed"/> hears each resumption (why, from where).
    /// Other errors end the wait with them.
    /// </summary>
    public static async Task WaitAsync(
        Func<long, CancellationToken, Task> watchDelete,
        Func<CancellationToken, Task<KeyRevisions>> read,
        long createRevision,
        long from,
        TimeProvider time,
        Random random,
        Action<string, long> resumed,
        CancellationToken ct)
    {
        var cancels = 0;
        while (true)
        {
            var watchedAt = time.GetTimestamp();
            try
            {
                await watchDelete(from, ct).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is EtcdCompactedException or EtcdWatchCanceledException)
            {
                if (time.GetElapsedTime(watchedAt) >= LivedLong)
                {
                    // A watch that ran a while before its cancel is not a refusal in a row: the next wait starts short.
                    cancels = 0;
                }
                if (e is EtcdWatchCanceledException)
                {
                    var delay = Backoff.Delay(Math.Min(cancels++, 6), TimeSpan.FromMilliseconds(100), LivedLong, 0.2, random.NextDouble());
                    await Backoff.WaitAsync(delay, time, ct).ConfigureAwait(false);
                }
                var now = await ReadAsync(read, time, random, ct).ConfigureAwait(false);
                if (now.CreateRevision != createRevision)
                {
                    return;
                }
                from = now.Revision + 1;
                resumed(e.Message, from);
            }
        }
    }

    /// <summary>
    /// One etcd watch of <paramref name="key"/> from <paramref name="fromRevision"/> (puts filtered out): completes on its
    /// DELETE; the watch's errors escape (the <c>watchDelete</c> of <see cref="WaitAsync"/> for the etcd stores).
    /// </summary>
    public static async Task WatchOnceAsync(EtcdClient etcd, string key, long fromRevision, CancellationToken ct)
    {
        var options = new WatchOptions { StartRevision = fromRevision, NoPut = true };
        await foreach (var response in etcd.Watch(key, options, ct).ConfigureAwait(false))
        {
            if (response.Events.Any(e => e.Type == Mvccpb.Event.Types.EventType.Delete))
            {
                return;
            }
        }
        // EtcdClient.Watch ends only by throwing; were it to end, the key would no longer be watched.
        throw new InvalidOperationException($"the watch of {key} ended without a DELETE");
    }

    /// <summary>Reads <paramref name="key"/>: its CreateRevision (0 when absent) and the read's revision.</summary>
    public static async Task<KeyRevisions> ReadAsync(EtcdClient etcd, string key, CancellationToken ct)
    {
        var range = await etcd.GetAsync(key, cancellationToken: ct).ConfigureAwait(false);
        return new KeyRevisions(range.Kvs.Count == 0 ? 0 : range.Kvs[0].CreateRevision, range.Header.Revision);
    }

    private static async Task<KeyRevisions> ReadAsync(Func<CancellationToken, Task<KeyRevisions>> read, TimeProvider time, Random random, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await read(ct).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && !ct.IsCancellationRequested)
            {
                var delay = Backoff.Delay(Math.Min(attempt, 4), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), 0.2, random.NextDouble());
                await Backoff.WaitAsync(delay, time, ct).ConfigureAwait(false);
            }
        }
    }
}
