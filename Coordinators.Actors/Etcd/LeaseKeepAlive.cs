using System.Collections.Concurrent;
using System.Threading.Channels;
using Etcdserverpb;
using Coordinators.Actors.Transport;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Etcd;

/// <summary>
/// Keeps one lease alive over one long-lived LeaseKeepAlive stream, re-opened on another member when it breaks.
/// Every acknowledgement is reported with its TTL and the monotonic send time of the request it answers; the end
/// is reported as <see cref="LeaseLost"/> with a reason, never silently. Dispose (or cancel) to stop.
/// </summary>
public sealed class LeaseKeepAlive : IAsyncEnumerable<LeaseKeepAliveEvent>, IAsyncDisposable
{
    private readonly EtcdClient _client;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _cts;
    // Events for the consumer; a slow consumer loses old acknowledgements, never the final LeaseLost.
    private readonly Channel<LeaseKeepAliveEvent> _events = Channel.CreateBounded<LeaseKeepAliveEvent>(
        new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleWriter = true });
    // Send time and TTL of the last acknowledged request; 0 TTL until the first acknowledgement.
    private long _lastAckSent;
    private long _lastTtl;
    private int _failures;

    internal LeaseKeepAlive(EtcdClient client, long leaseId, TimeSpan interval, CancellationToken cancellationToken)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "the keep-alive interval must be positive");
        }
        _client = client;
        LeaseId = leaseId;
        _interval = interval;
        _time = client.Options.TimeProvider;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _lastAckSent = _time.GetTimestamp();
        Completion = Task.Run(() => RunAsync(_cts.Token), CancellationToken.None);
    }

    /// <summary>The lease kept alive.</summary>
    public long LeaseId { get; }

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
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var index = _client.CurrentIndex;
                Exception error;
                try
                {
                    if (await RunStreamAsync(_client.EndpointAt(index), ct).ConfigureAwait(false))
                    {
                        return;
                    }
                    error = RpcErrors.Create(StatusCode.Unavailable, "etcd ended the keep-alive stream");
                }
                catch (Exception) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    error = e;
                }
                var failures = ++_failures;
                var ttl = Interlocked.Read(ref _lastTtl);
                var sinceAck = _time.GetElapsedTime(Interlocked.Read(ref _lastAckSent));
                if ((ttl > 0 && sinceAck >= TimeSpan.FromSeconds(ttl)) || (ttl == 0 && failures > 3))
                {
                    Lost(LeaseLossReason.StreamBroken, $"no member renewed the lease for {sinceAck.TotalSeconds:F1}s ({failures} stream failures): {error.Message}", error);
                    return;
                }
                if (error is RpcException re && EtcdClient.IsAuthRejected(re))
                {
                    await _client.ReauthenticateAsync((await _client.CallOptionsAsync(ct).ConfigureAwait(false)).Headers, ct).ConfigureAwait(false);
                }
                _client.Failover(index, error);
                _client.Options.Logger?.LogWarning("keep-alive stream of lease {LeaseId:x} broke ({Error}); retrying", LeaseId, error.Message);
                var backoff = TimeSpan.FromMilliseconds(Math.Min(_client.Options.MaxRetryBackoff.TotalMilliseconds, 50 * (1 << Math.Min(failures, 6))));
                await Task.Delay(backoff, _time, ct).ConfigureAwait(false);
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
            _events.Writer.TryComplete();
        }
    }

    /// <summary>Runs one stream; true when the lease is lost (reported), false when the stream ended.</summary>
    private async Task<bool> RunStreamAsync(EtcdEndpoint endpoint, CancellationToken ct)
    {
        var options = await _client.CallOptionsAsync(ct).ConfigureAwait(false);
        using var call = endpoint.Lease.LeaseKeepAlive(options);
        var sent = new ConcurrentQueue<long>();
        using var senderCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reader = ReadAsync(call, sent, ct);
        var sender = SendAsync(call, sent, senderCts.Token);
        var first = await Task.WhenAny(reader, sender).ConfigureAwait(false);
        if (first == sender)
        {
            call.Dispose(); // resets the stream; the reader ends with Cancelled
            await Task.WhenAll(reader.ContinueWith(static _ => { }, TaskScheduler.Default)).ConfigureAwait(false);
            await sender.ConfigureAwait(false); // rethrows why the sender stopped
            return false;
        }
        await senderCts.CancelAsync().ConfigureAwait(false);
        try
        {
            await sender.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        return await reader.ConfigureAwait(false);
    }

    private async Task SendAsync(AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call, ConcurrentQueue<long> sent, CancellationToken ct)
    {
        var request = new LeaseKeepAliveRequest { ID = LeaseId };
        // One period without an answer means this member is stuck (paused, partitioned): try another.
        var staleAfter = _interval < TimeSpan.FromMilliseconds(500) ? TimeSpan.FromMilliseconds(500) : _interval;
        while (true)
        {
            if (sent.TryPeek(out var oldest) && _time.GetElapsedTime(oldest) >= staleAfter * 0.95)
            {
                throw new TimeoutException($"no keep-alive acknowledgement for {_time.GetElapsedTime(oldest).TotalMilliseconds:F0} ms");
            }
            sent.Enqueue(_time.GetTimestamp());
            await call.RequestStream.WriteAsync(request, ct).ConfigureAwait(false);
            await Task.Delay(_interval, _time, ct).ConfigureAwait(false);
        }
    }

    private async Task<bool> ReadAsync(AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call, ConcurrentQueue<long> sent, CancellationToken ct)
    {
        while (await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
        {
            var response = call.ResponseStream.Current;
            var now = _time.GetTimestamp();
            // etcd answers the requests of one stream in order, so the oldest outstanding send is the one acked.
            var sentAt = sent.TryDequeue(out var s) ? s : now;
            if (response.TTL <= 0)
            {
                var revoked = _client.WasRevokedHere(LeaseId);
                Lost(revoked ? LeaseLossReason.Revoked : LeaseLossReason.Expired,
                    revoked ? "the lease was revoked" : "etcd reports the lease expired (TTL <= 0)");
                return true;
            }
            _failures = 0;
            Interlocked.Exchange(ref _lastAckSent, sentAt);
            Interlocked.Exchange(ref _lastTtl, response.TTL);
            _events.Writer.TryWrite(new LeaseAcknowledged(LeaseId, response.TTL, sentAt, now));
        }
        return false;
    }

    private void Lost(LeaseLossReason reason, string detail, Exception? error = null)
    {
        _client.Options.Logger?.LogWarning("lease {LeaseId:x} lost: {Reason} {Detail}", LeaseId, reason, detail);
        _events.Writer.TryWrite(new LeaseLost(LeaseId, reason, detail, error));
        _events.Writer.TryComplete();
    }
}
