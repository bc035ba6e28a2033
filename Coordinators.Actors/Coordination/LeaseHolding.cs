using Akka.Coordination;
using Akka.Event;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;
using Mvccpb;

namespace Coordinators.Actors.Coordination;

/// <summary>
/// One acquisition of an <see cref="EtcdLease"/>: the etcd lease it was taken with, its keep-alive, the local guard,
/// a watch of the key and a timer at the guard's deadline. The first of keep-alive loss, key deleted or taken, and
/// guard expiry ends it: the loss is recorded once and the lease-lost callback runs once, after Acquire returned.
/// </summary>
internal sealed class LeaseHolding : IAsyncDisposable
{
    private readonly EtcdClient _etcd;
    private readonly ILoggingAdapter _log;
    private readonly string _owner;
    private readonly TimeProvider _time;
    // Cancelled by the loss or by disposal; stops the keep-alive, the watch and the timer's work.
    private readonly CancellationTokenSource _cts = new();
    // Completes when Acquire's task has completed: the callback never runs before it (Akka.Coordination's contract).
    private readonly Task _acquireCompleted;
    private readonly Action<Exception?>? _callback;
    private LeaseKeepAlive? _keepAlive;
    private ITimer? _guardTimer;
    private Task _keepAliveTask = Task.CompletedTask;
    private Task _watchTask = Task.CompletedTask;
    // The callback's run; Task.CompletedTask until the loss.
    private Task _notifyTask = Task.CompletedTask;
    // 0 while held; 1 once lost or disposed (whichever came first wins).
    private int _ended;

    public LeaseHolding(EtcdClient etcd, ILoggingAdapter log, string key, string owner, long leaseId, long term, LeaseGuard guard,
        TimeProvider time, Action<Exception?>? callback, Task acquireCompleted)
    {
        _etcd = etcd;
        _log = log;
        Key = key;
        _owner = owner;
        LeaseId = leaseId;
        Term = term;
        Guard = guard;
        _time = time;
        _callback = callback;
        _acquireCompleted = acquireCompleted;
    }

    public string Key { get; }

    public long LeaseId { get; }

    /// <summary>The key's CreateRevision: the fencing token of this acquisition.</summary>
    public long Term { get; }

    public LeaseGuard Guard { get; }

    /// <summary>Why the holding ended by a loss; null while held or when it was ended by Release.</summary>
    public Exception? LossReason { get; private set; }

    /// <summary>True while neither lost nor released and the guard vouches for the etcd lease.</summary>
    public bool IsHeld => Volatile.Read(ref _ended) == 0 && Guard.IsValid;

    public bool IsLost => LossReason is not null;

    /// <summary>Starts the keep-alive, the watch from <paramref name="watchFrom"/> and the guard timer.</summary>
    public void Start(TimeSpan keepAliveInterval, long watchFrom)
    {
        _keepAlive = _etcd.KeepAlive(LeaseId, keepAliveInterval, _cts.Token);
        _keepAliveTask = ConsumeKeepAliveAsync(_keepAlive, _cts.Token);
        _watchTask = WatchAsync(watchFrom, _cts.Token);
        _guardTimer = _time.CreateTimer(_ => OnGuardDeadline(), null, Clamp(Guard.Remaining), Timeout.InfiniteTimeSpan);
    }

    /// <summary>Ends the holding as lost (once): stops everything and runs the callback after Acquire's task.</summary>
    public void Lose(Exception reason)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }
        LossReason = reason;
        Guard.Reset();
        _log.Lost(Key, _owner, Term, reason.Message);
        _cts.Cancel();
        _notifyTask = NotifyAsync(reason);
    }

    /// <summary>Stops the keep-alive, watch and timer; a holding disposed before any loss is never reported lost.</summary>
    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _ended, 1);
        await _cts.CancelAsync().ConfigureAwait(false);
        if (_guardTimer is not null)
        {
            await _guardTimer.DisposeAsync().ConfigureAwait(false);
        }
        if (_keepAlive is not null)
        {
            await _keepAlive.DisposeAsync().ConfigureAwait(false);
        }
        await Task.WhenAll(_keepAliveTask, _watchTask, _notifyTask).ConfigureAwait(false);
        _cts.Dispose();
    }

    private async Task NotifyAsync(Exception reason)
    {
        // Acquire's task never faults once a holding exists; awaiting it only orders the callback after it.
        await _acquireCompleted.ConfigureAwait(false);
        try
        {
            _callback?.Invoke(reason);
        }
        catch (Exception e)
        {
            _log.CallbackFailed(Key, e);
        }
    }

    private void OnGuardDeadline()
    {
        if (Volatile.Read(ref _ended) != 0)
        {
            return;
        }
        var remaining = Guard.Remaining;
        if (remaining <= TimeSpan.Zero)
        {
            Lose(new LeaseTimeoutException(
                $"no keep-alive of etcd lease {LeaseId:x} was acknowledged within the TTL minus the guard margin ({(Guard.Ttl - Guard.Margin).TotalSeconds:0.###}s); etcd may free {Key} soon"));
            return;
        }
        try
        {
            _guardTimer?.Change(Clamp(remaining), Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Disposed concurrently by Release: nothing left to guard.
        }
    }

    private async Task ConsumeKeepAliveAsync(LeaseKeepAlive keepAlive, CancellationToken ct)
    {
        try
        {
            await foreach (var e in keepAlive.WithCancellation(ct).ConfigureAwait(false))
            {
                switch (e)
                {
                    case LeaseAcknowledged ack:
                        Guard.Acknowledged(ack.SentTimestamp);
                        break;
                    case LeaseLost lost:
                        Lose(new LeaseException($"keep-alive of etcd lease {LeaseId:x} ended ({lost.Reason}): {lost.Detail}"));
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Released or lost by another path.
        }
    }

    private async Task WatchAsync(long from, CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await foreach (var response in _etcd.Watch(Key, new WatchOptions { StartRevision = from }, ct).ConfigureAwait(false))
                {
                    failures = 0;
                    foreach (var ev in response.Events)
                    {
                        from = ev.Kv.ModRevision + 1;
                        if (ev.Type == Event.Types.EventType.Delete)
                        {
                            Lose(new LeaseException($"the key {Key} was deleted at revision {ev.Kv.ModRevision}"));
                            return;
                        }
                        if (ev.Kv.CreateRevision != Term || ev.Kv.Lease != LeaseId)
                        {
                            Lose(new LeaseException($"the key {Key} was replaced at revision {ev.Kv.ModRevision} (term {ev.Kv.CreateRevision}, etcd lease {ev.Kv.Lease:x})"));
                            return;
                        }
                    }
                }
                // The client's watch resumes by itself and never ends; should it, start again after a pause.
                failures++;
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 << Math.Min(failures, 5))), _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is EtcdCompactedException or EtcdWatchCanceledException or Grpc.Core.RpcException)
            {
                // The watch cannot resume from where it was: read the key again and watch from that read.
                failures++;
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 << Math.Min(failures, 5))), _time, ct).ConfigureAwait(false);
                    var read = await _etcd.GetAsync(Key, cancellationToken: ct).ConfigureAwait(false);
                    if (read.Kvs.Count == 0 || read.Kvs[0].CreateRevision != Term || read.Kvs[0].Lease != LeaseId)
                    {
                        Lose(new LeaseException($"the key {Key} is no longer held by term {Term} (found after the watch broke: {e.Message})"));
                        return;
                    }
                    from = read.Header.Revision + 1;
                    _log.WatchResumed(Key, e.Message);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Grpc.Core.RpcException re)
                {
                    // etcd unreachable: the guard and the keep-alive decide about the loss; try the watch again.
                    _log.WatchResumed(Key, re.Status.Detail);
                }
            }
        }
    }

    private static TimeSpan Clamp(TimeSpan t) => t < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : t;
}
