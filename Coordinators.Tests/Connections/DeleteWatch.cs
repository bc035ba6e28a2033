using System.Diagnostics;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Connections;

/// <summary>
/// Timestamps a key's DELETE as an independent etcd watch receives it. The watch covers the whole root and is
/// proven live before the caller acts (it must deliver a sync key's PUT), so the DELETE can never happen before
/// the watch exists and be replayed late. The connections benchmark compiles this same file (linked).
/// </summary>
internal static class DeleteWatch
{
    public static async Task<Task<long>> StartAsync(EtcdClient etcd, EtcdLayout layout, string key, CancellationToken cancellationToken)
    {
        var sync = layout.Root + "/delete-watch-sync";
        var live = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deleted = Task.Run(async () =>
        {
            await foreach (var r in etcd.Watch(layout.Root + "/", new WatchOptions { Prefix = true }, cancellationToken))
            {
                foreach (var e in r.Events)
                {
                    var k = e.Kv.Key.ToStringUtf8();
                    if (k == sync)
                    {
                        live.TrySetResult();
                    }
                    else if (k == key && e.Type == Mvccpb.Event.Types.EventType.Delete)
                    {
                        return Stopwatch.GetTimestamp();
                    }
                }
            }
            throw new InvalidOperationException("watch ended");
        }, cancellationToken);
        // Each PUT is a new revision; the first one the watch delivers proves it live.
        while (!live.Task.IsCompleted)
        {
            await etcd.PutAsync(sync, "x", cancellationToken: cancellationToken);
            await Task.WhenAny(live.Task, deleted, Task.Delay(50, cancellationToken));
            if (deleted.IsFaulted)
            {
                await deleted;
            }
        }
        return deleted;
    }
}
