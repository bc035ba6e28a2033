using Coordinators.Actors.Etcd;
using Grpc.Core;

namespace Coordinators.Simulation;

/// <summary>
/// A process's DELETE watch of one key against the model etcd, as EtcdClient.Watch makes it: created through the
/// faulty network, resumed from the same revision (with backoff) when its stream breaks or cannot be created, failed
/// on compaction below its revision or a cancel by the server. Shared by the election's and the session's model stores.
/// </summary>
internal static class ModelWatch
{
    /// <summary>How a watch ended: the key was deleted, it failed (<see cref="Error"/>), or neither (cancelled).</summary>
    public readonly record struct End(bool Deleted, Exception? Error);

    /// <summary>
    /// As EtcdClient.Watch's caller sees it: completed on the DELETE, faulted on a failure, cancelled with the token
    /// (the shape of IElectionStore's and ISessionStore's WatchDeleteAsync).
    /// </summary>
    public static Task DeleteAsync(SimProcess process, SimNetwork net, ModelEtcd etcd, SimLoop loop, string key, long fromRevision, CancellationToken ct)
    {
        var outcome = new TaskCompletionSource();
        var watch = RunAsync(process, net, etcd, loop, key, fromRevision, ct);
        SimTasks.OnCompleted(watch, () =>
        {
            var end = watch.Result;
            if (end.Deleted)
            {
                outcome.TrySetResult();
            }
            else if (end.Error is { } error)
            {
                outcome.TrySetException(error);
            }
            else
            {
                outcome.TrySetCanceled(ct);
            }
        });
        return outcome.Task;
    }

    /// <summary>Watches until the key is deleted, the watch fails (EtcdCompactedException / EtcdWatchCanceledException) or <paramref name="ct"/> fires; never throws.</summary>
    public static async Task<End> RunAsync(SimProcess process, SimNetwork net, ModelEtcd etcd, SimLoop loop, string key, long fromRevision, CancellationToken ct)
    {
        var attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            // 1: the DELETE arrived; 0: the stream broke and is resumed from the same revision; -1: cancelled.
            var ended = new TaskCompletionSource<int>();
            Exception? serverCancel = null;
            var created = await SimTasks.Settle(net.Call(process, "watch " + key, () =>
            {
                var remove = etcd.Watch(key, fromRevision,
                    _ => net.Deliver(process, () => ended.TrySetResult(1)),
                    () => net.Deliver(process, () => ended.TrySetResult(0)));
                // The client's cancel reaches etcd too (at once here): a given-up watch does not stay registered.
                ct.Register(remove);
                return remove;
            }), ct).ConfigureAwait(false);
            if (created.IsCancelled)
            {
                break;
            }
            if (created.Error is RpcException)
            {
                // EtcdClient.Watch re-creates a broken stream (with backoff) from the same revision.
                attempt++;
                var backoff = Math.Min(TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromMilliseconds(50).Ticks << Math.Min(attempt, 5));
                await SimTasks.Settle(net.Sleep(process, backoff), ct).ConfigureAwait(false);
                continue;
            }
            if (created.Error is { } error)
            {
                if (error is EtcdCompactedException compacted)
                {
                    loop.Trace($"p{process.Id} watch of {key} from {fromRevision} refused: compacted up to {compacted.CompactRevision}");
                }
                return new End(false, error);
            }
            var unregister = created.Value!;
            attempt = 0;
            if (net.FaultsOn && loop.Chance(net.Rates.WatchBreak))
            {
                loop.After(loop.Between(TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(5)), () =>
                {
                    unregister();
                    net.Deliver(process, () => ended.TrySetResult(0));
                });
            }
            else if (net.FaultsOn && loop.Chance(net.Rates.WatchCancel))
            {
                loop.After(loop.Between(TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(5)), () =>
                {
                    unregister();
                    serverCancel = new EtcdWatchCanceledException("simulated: the server cancelled the watch");
                    net.Deliver(process, () => ended.TrySetResult(0));
                });
            }
            int how;
            using (ct.Register(() => { unregister(); ended.TrySetResult(-1); }))
            {
                how = await ended.Task.ConfigureAwait(false);
            }
            if (how == 1)
            {
                return new End(true, null);
            }
            if (how < 0)
            {
                break;
            }
            if (serverCancel is not null)
            {
                loop.Trace($"p{process.Id} watch of {key} from {fromRevision} cancelled by the server");
                return new End(false, serverCancel);
            }
            loop.Trace($"p{process.Id} watch of {key} broke, resuming from {fromRevision}");
        }
        return new End(false, null);
    }
}
