using System.Threading.Channels;
using Etcdserverpb;
using Coordinators.Actors.Transport;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Etcd;

/// <summary>
/// Keeps one lease alive over a long-lived LeaseKeepAlive stream. When its stream breaks, or its oldest request
/// waits longer than <see cref="StallAfter"/>, a stream on the next member is opened at once; stalled streams stay
/// open and keep getting requests (the first to answer wins, then the others are closed), so neither a dead nor a
/// paused member nor etcd's own re-election costs more than the election itself. Every acknowledgement is reported with its TTL and the monotonic send time of the request it answers; the end
/// is reported as <see cref="LeaseLost"/> with a reason, never silently. Dispose (or cancel) to stop.
/// </summary>
public sealed class LeaseKeepAlive : IAsyncEnumerable<LeaseKeepAliveEvent>, IAsyncDisposable
{
    private readonly EtcdClient _client;
    private readonly TimeSpan _interval;
    // A stream whose oldest request waited this long is stalled: another is opened on the next member at once.
    private readonly TimeSpan _stallAfter;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _cts;
    // Events for the consumer; a slow consumer loses old acknowledgements, never the final LeaseLost.
    private readonly Channel<LeaseKeepAliveEvent> _events = Channel.CreateBounded<LeaseKeepAliveEvent>(
        new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest });
    // Send time and TTL of the last acknowledged request; 0 TTL until the first acknowledgement.
    private long _lastAckSent;
    private long _lastTtl;
    // Streams that failed since the last answer (any member).
    private int _failures;
    private long _wakeups;

    internal LeaseKeepAlive(EtcdClient client, long leaseId, TimeSpan interval, CancellationToken cancellationToken)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "the keep-alive interval must be positive");
        }
        _client = client;
        LeaseId = leaseId;
        _interval = interval;
        _stallAfter = StallAfter(interval);
        _time = client.Options.TimeProvider;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _lastAckSent = _time.GetTimestamp();
        Completion = Task.Run(() => RunAsync(_cts.Token), CancellationToken.None);
    }

    /// <summary>The lease kept alive.</summary>
    public long LeaseId { get; }

    /// <summary>How many times the loop woke up (to send, check a stall or retry a member): a few per period when healthy.</summary>
    internal long Wakeups => Interlocked.Read(ref _wakeups);

    /// <summary>
    /// How long a request may wait before its stream counts as stalled: half a period, at least 150 ms (answers take
    /// about a millisecond; 150 ms leaves room for a loaded machine), at most one period.
    /// </summary>
    public static TimeSpan StallAfter(TimeSpan interval) =>
        TimeSpan.FromTicks(Math.Min(interval.Ticks, Math.Max(TimeSpan.FromMilliseconds(150).Ticks, interval.Ticks / 2)));

    /// <summary>The events; completed after <see cref="LeaseLost"/> or when stopped.</summary>
    public ChannelReader<LeaseKeepAliveEvent> Events => _events.Reader;

    /// <summary>Completes when the keep-alive stops (lost or cancelled); never faults.</summary>
    public Task Completion { get; }

    /// <summary>Reads the events until the keep-alive stops.</summary>
    public IAsyncEnumerator<LeaseKeepAliveEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        _events.Reader.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

    /// <summary>Stops sending keep-alives (the lease then expires after its TTL unless revoked).</summary>
    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync().ConfigureAwait(false);
        await Completion.ConfigureAwait(false);
        _cts.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var streams = new List<KeepAliveStream>();
        // Per member: monotonic time before which a member whose stream failed is not tried again, and its failures in a row.
        var retryAt = new long[_client.EndpointCount];
        var memberFailures = new int[_client.EndpointCount];
        var last = _client.CurrentIndex - 1;
        Exception? lastError = null;
        long nextSend = 0;
        long lastOpened = 0;
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                Interlocked.Increment(ref _wakeups);
                var now = _time.GetTimestamp();
                foreach (var ended in streams.Where(s => s.HasEnded).ToList())
                {
                    streams.Remove(ended);
                    var (lost, error) = await ended.EndAsync().ConfigureAwait(false);
                    if (lost)
                    {
                        return;
                    }
                    lastError = error ?? RpcErrors.Create(StatusCode.Unavailable, "etcd ended the keep-alive stream");
                    _failures++;
                    var failures = ++memberFailures[ended.Index];
                    retryAt[ended.Index] = now + Ticks(RetryDelay(failures));
                    if (lastError is RpcException re && EtcdClient.IsAuthRejected(re))
                    {
                        await _client.ReauthenticateAsync((await _client.CallOptionsAsync(ct).ConfigureAwait(false)).Headers, ct).ConfigureAwait(false);
                    }
                    _client.Failover(ended.Index, lastError);
                    _client.Options.Logger?.LogWarning("keep-alive stream of lease {LeaseId:x} on {Endpoint} broke ({Error}); {Open} other stream(s) open",
                        LeaseId, _client.EndpointAt(ended.Index).Address, lastError.Message, streams.Count);
                }
                if (LostByTime(lastError))
                {
                    return;
                }
                // A stream that answers in time is all we need: the others (stalled, or opened while it was) are closed.
                var good = streams.Where(s => s.HasAnswered && s.Waiting(now) < _stallAfter).MaxBy(s => s.LastAnswer);
                if (good is not null)
                {
                    memberFailures[good.Index] = 0;
                    foreach (var other in streams.Where(s => s != good).ToList())
                    {
                        streams.Remove(other);
                        await other.DisposeAsync().ConfigureAwait(false);
                    }
                }
                else if (streams.All(s => s.Waiting(now) >= _stallAfter) && (streams.Count == 0 || _time.GetElapsedTime(lastOpened, now) >= _stallAfter))
                {
                    // Every open stream stalled (or none is open): add a fresh one at once, on a member without a stream if
                    // there is one. The stalled ones stay open (their queued requests are answered as soon as their member
                    // can), but etcd serves a stream's requests one after another and a follower without a leader parks a
                    // renewal for a whole election timeout, so only a fresh stream gets a new request in right after etcd
                    // elected a leader. A fresh stream every stall period; beyond two per member the oldest is closed.
                    if (NextMember(streams, retryAt, now, last) is { } index)
                    {
                        if (streams.Count > 0)
                        {
                            _client.Options.Logger?.LogInformation("keep-alive of lease {LeaseId:x}: no answer for {Waited:F0} ms on {Open} stream(s); adding one on {Endpoint}",
                                LeaseId, streams.Min(s => s.Waiting(now)).TotalMilliseconds, streams.Count, _client.EndpointAt(index).Address);
                        }
                        if (streams.Count >= 2 * retryAt.Length)
                        {
                            var oldest = streams[0];
                            streams.RemoveAt(0);
                            await oldest.DisposeAsync().ConfigureAwait(false);
                        }
                        last = index;
                        lastOpened = now;
                        var options = await _client.CallOptionsAsync(ct).ConfigureAwait(false);
                        var stream = KeepAliveStream.Open(index, _client.EndpointAt(index), options, LeaseId, _time, OnAnswer, ct);
                        streams.Add(stream);
                        stream.Send();
                    }
                }
                if (now >= nextSend)
                {
                    // Every open stream gets each request: a stalled one then holds a recent request to answer when it can.
                    foreach (var stream in streams)
                    {
                        stream.Send();
                    }
                    nextSend = now + Ticks(_interval);
                }
                var reopenAt = lastOpened + Ticks(_stallAfter);
                await WaitAsync(streams, WakeAt(streams, retryAt, reopenAt > _time.GetTimestamp() ? Math.Min(nextSend, reopenAt) : nextSend), ct).ConfigureAwait(false);
            }
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            // Stopped by the owner: not a loss.
        }
        catch (Exception e)
        {
            Lost(LeaseLossReason.StreamBroken, "keep-alive failed: " + e.Message, e);
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            _events.Writer.TryComplete();
        }
    }

    /// <summary>True (and reported) when no member renewed the lease within its TTL.</summary>
    private bool LostByTime(Exception? lastError)
    {
        var ttl = Interlocked.Read(ref _lastTtl);
        var sinceAck = _time.GetElapsedTime(Interlocked.Read(ref _lastAckSent));
        // Before the first answer the TTL is unknown: give up after a few failed streams or ten periods without one.
        if ((ttl > 0 && sinceAck >= TimeSpan.FromSeconds(ttl)) || (ttl == 0 && (_failures > 3 || sinceAck >= _interval * 10)))
        {
            Lost(LeaseLossReason.StreamBroken,
                $"no member renewed the lease for {sinceAck.TotalSeconds:F1}s ({_failures} stream failures){(lastError is null ? string.Empty : ": " + lastError.Message)}", lastError);
            return true;
        }
        return false;
    }

    /// <summary>
    /// The next member after <paramref name="last"/> not waiting out a failure, one without an open stream first; null
    /// when every member waits out a failure.
    /// </summary>
    private static int? NextMember(List<KeepAliveStream> streams, long[] retryAt, long now, int last)
    {
        var n = retryAt.Length;
        int? any = null;
        for (var step = 1; step <= n; step++)
        {
            var index = (((last + step) % n) + n) % n;
            if (retryAt[index] > now)
            {
                continue;
            }
            if (streams.All(s => s.Index != index))
            {
                return index;
            }
            any ??= index;
        }
        return any;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    /// <summary>The earliest of <paramref name="wakeAt"/>, the next stall of a waiting stream, the next member to retry.</summary>
    private long WakeAt(List<KeepAliveStream> streams, long[] retryAt, long wakeAt)
    {
        var now = _time.GetTimestamp();
        var wake = wakeAt;
        foreach (var stream in streams)
        {
            var waiting = stream.Waiting(now);
            if (waiting > TimeSpan.Zero && waiting < _stallAfter)
            {
                wake = Math.Min(wake, now + Ticks(_stallAfter - waiting) + 1);
            }
        }
        foreach (var at in retryAt)
        {
            if (at > now)
            {
                wake = Math.Min(wake, at);
            }
        }
        return wake;
    }

    /// <summary>Waits until <paramref name="wakeAt"/> or until a stream ends, whichever is first.</summary>
    private async Task WaitAsync(List<KeepAliveStream> streams, long wakeAt, CancellationToken ct)
    {
        var delay = _time.GetElapsedTime(_time.GetTimestamp(), wakeAt);
        if (delay <= TimeSpan.Zero)
        {
            return;
        }
        // Timers count whole milliseconds (a due time is cut down to them) and may fire up to one early: rounded up plus
        // one, so a wake-up never comes before its time and finds a sub-millisecond rest to wait in a spin.
        delay = TimeSpan.FromMilliseconds(Math.Ceiling(delay.TotalMilliseconds) + 1);
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var timer = Task.Delay(delay, _time, wake.Token);
        await Task.WhenAny(streams.Select(s => s.Ended).Append(timer)).ConfigureAwait(false);
        await wake.CancelAsync().ConfigureAwait(false);
        await timer.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
    }

    private TimeSpan RetryDelay(int failures) =>
        failures <= 1 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Min(_client.Options.MaxRetryBackoff.TotalMilliseconds, 50 * (1 << Math.Min(failures, 6))));

    /// <summary>One answer of any stream (called on its reader); true when it ends the lease.</summary>
    private bool OnAnswer(KeepAliveStream stream, LeaseKeepAliveResponse response, long sentAt, long receivedAt)
    {
        if (response.TTL <= 0)
        {
            var revoked = _client.WasRevokedHere(LeaseId);
            Lost(revoked ? LeaseLossReason.Revoked : LeaseLossReason.Expired,
                revoked ? "the lease was revoked" : "etcd reports the lease expired (TTL <= 0)");
            return true;
        }
        _failures = 0;
        // Several streams may answer: keep the newest send time (an older stream's late answer must not move it back).
        long current;
        do
        {
            current = Interlocked.Read(ref _lastAckSent);
            if (sentAt <= current)
            {
                break;
            }
        }
        while (Interlocked.CompareExchange(ref _lastAckSent, sentAt, current) != current);
        Interlocked.Exchange(ref _lastTtl, response.TTL);
        _events.Writer.TryWrite(new LeaseAcknowledged(LeaseId, response.TTL, sentAt, receivedAt));
        return false;
    }

    private void Lost(LeaseLossReason reason, string detail, Exception? error = null)
    {
        _client.Options.Logger?.LogWarning("lease {LeaseId:x} lost: {Reason} {Detail}", LeaseId, reason, detail);
        _events.Writer.TryWrite(new LeaseLost(LeaseId, reason, detail, error));
        _events.Writer.TryComplete();
    }
}
