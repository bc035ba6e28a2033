using System.Collections.Concurrent;
using Etcdserverpb;
using Grpc.Core;

namespace Coordinators.Actors.Etcd;

/// <summary>
/// One LeaseKeepAlive stream on one member, owned by <see cref="LeaseKeepAlive"/>: sends requests when told, reads
/// the answers in the background (etcd answers a stream's requests in order, so each answer is paired with the oldest
/// outstanding send) and reports each through a callback. Ended once its reader or a write failed.
/// </summary>
internal sealed class KeepAliveStream : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> _call;
    private readonly LeaseKeepAliveRequest _request;
    private readonly TimeProvider _time;
    // Monotonic send times of the requests not answered yet, oldest first.
    private readonly ConcurrentQueue<long> _sent = new();
    private readonly CancellationTokenSource _cts;
    // The write in flight (writes on one stream must not overlap); a faulted write ends the stream.
    private Task _write = Task.CompletedTask;
    // Completed when the reader ended or a write failed; a write that succeeded must not complete it (the owner waits on
    // it between sends: completed by every successful write, it had the owner's loop spin a core for the lease's life).
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // The first failed write (it ends the stream).
    private Task? _failedWrite;
    // Monotonic time of the newest answer; 0 until the first.
    private long _lastAnswer;
    private int _disposed;

    private KeepAliveStream(int index, AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call, long leaseId,
        TimeProvider time, Func<KeepAliveStream, LeaseKeepAliveResponse, long, long, bool> onAnswer, CancellationToken ct)
    {
        Index = index;
        _call = call;
        _request = new LeaseKeepAliveRequest { ID = leaseId };
        _time = time;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Reader = ReadAsync(onAnswer, _cts.Token);
        Reader.ContinueWith(static (_, state) => ((TaskCompletionSource)state!).TrySetResult(), _ended, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The member's index in the client's endpoint list.</summary>
    public int Index { get; }

    /// <summary>True when the lease is lost (reported by the callback), false when the stream ended; faults on a broken stream.</summary>
    public Task<bool> Reader { get; }

    /// <summary>Completes when the stream can no longer be used: the reader ended or a write failed.</summary>
    public Task Ended => _ended.Task;

    /// <summary>True once the reader ended or a write failed.</summary>
    public bool HasEnded => _ended.Task.IsCompleted;

    /// <summary>True once the member answered at least once on this stream.</summary>
    public bool HasAnswered => Volatile.Read(ref _lastAnswer) != 0;

    /// <summary>Monotonic time of the newest answer (0 before the first).</summary>
    public long LastAnswer => Volatile.Read(ref _lastAnswer);

    /// <summary>Opens a stream on <paramref name="endpoint"/>; <paramref name="onAnswer"/> gets (stream, answer, sent, received) and returns true when the answer ends the lease.</summary>
    public static KeepAliveStream Open(int index, EtcdEndpoint endpoint, CallOptions options, long leaseId, TimeProvider time,
        Func<KeepAliveStream, LeaseKeepAliveResponse, long, long, bool> onAnswer, CancellationToken ct) =>
        new(index, endpoint.Lease.LeaseKeepAlive(options), leaseId, time, onAnswer, ct);

    /// <summary>How long the oldest unanswered request has waited (zero when none waits).</summary>
    public TimeSpan Waiting(long now) => _sent.TryPeek(out var oldest) ? _time.GetElapsedTime(oldest, now) : TimeSpan.Zero;

    /// <summary>Sends one request unless the previous write is still in flight.</summary>
    public void Send()
    {
        if (!_write.IsCompleted || HasEnded)
        {
            return;
        }
        _sent.Enqueue(_time.GetTimestamp());
        _write = _call.RequestStream.WriteAsync(_request, _cts.Token);
        _write.ContinueWith(static (write, state) =>
        {
            var stream = (KeepAliveStream)state!;
            Interlocked.CompareExchange(ref stream._failedWrite, write, null);
            stream._ended.TrySetResult();
        }, this, CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Why the stream ended (lease lost, or the reader's or the write's error; null when etcd ended it cleanly), then disposes it.</summary>
    public async Task<(bool Lost, Exception? Error)> EndAsync()
    {
        var lost = false;
        Exception? error = null;
        if (Reader.IsCompleted)
        {
            try
            {
                lost = await Reader.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                error = e;
            }
        }
        else if (Volatile.Read(ref _failedWrite) is { } write)
        {
            error = write.Exception?.InnerException ?? (Exception?)write.Exception ?? new OperationCanceledException("the keep-alive write was cancelled");
        }
        await DisposeAsync().ConfigureAwait(false);
        return (lost, error);
    }

    /// <summary>Resets the stream and waits for its reader and write to end (their outcome no longer matters).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _cts.CancelAsync().ConfigureAwait(false);
        _call.Dispose();
        await Reader.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        await _write.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        _cts.Dispose();
    }

    private async Task<bool> ReadAsync(Func<KeepAliveStream, LeaseKeepAliveResponse, long, long, bool> onAnswer, CancellationToken ct)
    {
        while (await _call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
        {
            var now = _time.GetTimestamp();
            var sentAt = _sent.TryDequeue(out var s) ? s : now;
            Volatile.Write(ref _lastAnswer, now);
            if (onAnswer(this, _call.ResponseStream.Current, sentAt, now))
            {
                return true;
            }
        }
        return false;
    }
}
