using Coordinators.Actors.Etcd;
using Microsoft.Extensions.Logging;
using Mvccpb;

namespace Coordinators.Actors.Election.Services;

/// <summary>
/// A standby's replica of the segment table (MEP 30's WarmUp): Range the table, then Watch datacoord's whole meta
/// prefix from the next revision and apply each change. The applied revision says how far it is; a takeover waits
/// until it reaches the revision of its own first fenced write (every earlier term's write is below it). A watch that
/// fails (compaction, etcd gone) is started over after a backoff (100 ms doubling to 5 s), with a fresh Range.
/// </summary>
internal sealed class SegmentReplica(EtcdClient etcd, string metaPrefix, string segmentsPrefix, SegmentTable table, TimeProvider time, ILogger log)
{
    private readonly Lock _lock = new();
    // The loop while it runs, with the source that stops it; null when stopped.
    private (Task Loop, CancellationTokenSource Stop)? _running;
    // Every change up to this revision is applied; 0 before the first load.
    private long _applied;
    // Waiters for a revision, completed when it is applied (or failed when the loop ends).
    private readonly List<(long Revision, TaskCompletionSource Done)> _waiters = [];

    /// <summary>True while loaded and watching.</summary>
    public bool IsLive { get => Volatile.Read(ref _live); private set => Volatile.Write(ref _live, value); }

    private bool _live;

    /// <summary>The revision applied so far.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>
    /// Starts the loop unless it runs. <paramref name="loadedAt"/>: the table was just read at that revision (a cold
    /// takeover), so the loop watches from the next one instead of reading it again; a retry reads it as usual.
    /// </summary>
    public void EnsureRunning(long? loadedAt = null)
    {
        lock (_lock)
        {
            if (_running is { Loop.IsCompleted: false })
            {
                return;
            }
            var stop = new CancellationTokenSource();
            _running = (RunAsync(loadedAt, stop.Token), stop);
        }
    }

    /// <summary>Completes once every change up to <paramref name="revision"/> is applied; faults if the loop stops first.</summary>
    public Task WaitForAsync(long revision, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (Applied >= revision)
            {
                return Task.CompletedTask;
            }
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((revision, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Stops the loop and waits for it.</summary>
    public async Task StopAsync()
    {
        (Task Loop, CancellationTokenSource Stop)? running;
        lock (_lock)
        {
            running = _running;
            _running = null;
        }
        if (running is { } r)
        {
            await r.Stop.CancelAsync().ConfigureAwait(false);
            await r.Loop.ConfigureAwait(false);
            r.Stop.Dispose();
        }
    }

    private async Task RunAsync(long? loadedAt, CancellationToken stop)
    {
        await Task.Yield();
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                long revision;
                if (loadedAt is { } loaded)
                {
                    revision = loaded;
                    loadedAt = null;
                }
                else
                {
                    var (segments, read) = await SegmentTable.ReadAsync(etcd, segmentsPrefix, stop).ConfigureAwait(false);
                    revision = read;
                    table.Reset(segments);
                    DutiesLog.ReplicaLoaded(log, segments.Count, revision, revision + 1);
                }
                IsLive = true;
                Advance(revision);
                var watch = etcd.Watch(metaPrefix, new WatchOptions { Prefix = true, StartRevision = revision + 1 }, stop);
                await foreach (var response in watch.ConfigureAwait(false))
                {
                    long last = 0;
                    foreach (var e in response.Events)
                    {
                        Apply(e);
                        last = Math.Max(last, e.Kv.ModRevision);
                    }
                    Advance(last);
                    backoff = TimeSpan.FromMilliseconds(100);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                IsLive = false;
                DutiesLog.Failed(log, $"datacoord replica (retrying in {backoff.TotalMilliseconds:F0} ms)", e.Message);
                try
                {
                    await Task.Delay(backoff, time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
        IsLive = false;
        FailWaiters();
    }

    private void Apply(Event e)
    {
        var key = e.Kv.Key.ToStringUtf8();
        if (!key.StartsWith(segmentsPrefix, StringComparison.Ordinal)
            || !long.TryParse(key.AsSpan(segmentsPrefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            return;
        }
        if (e.Type == Event.Types.EventType.Delete)
        {
            table.Remove(id, e.Kv.ModRevision);
        }
        else
        {
            table.Apply(SegmentTable.Parse(e.Kv), e.Kv.ModRevision);
        }
    }

    private void Advance(long revision)
    {
        List<TaskCompletionSource>? ready = null;
        lock (_lock)
        {
            if (revision <= _applied)
            {
                return;
            }
            Interlocked.Exchange(ref _applied, revision);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Revision <= revision)
                {
                    (ready ??= []).Add(_waiters[i].Done);
                    _waiters.RemoveAt(i);
                }
            }
        }
        ready?.ForEach(t => t.TrySetResult());
    }

    private void FailWaiters()
    {
        List<(long, TaskCompletionSource Done)> waiters;
        lock (_lock)
        {
            waiters = [.. _waiters];
            _waiters.Clear();
        }
        foreach (var w in waiters)
        {
            w.Done.TrySetException(new InvalidOperationException("the segment replica stopped before reaching the revision"));
        }
    }
}
