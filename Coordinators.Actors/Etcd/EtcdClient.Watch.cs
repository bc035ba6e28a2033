using System.Runtime.CompilerServices;
using Etcdserverpb;
using Coordinators.Actors.Transport;
using Grpc.Core;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Etcd;

/// <summary>Watch: a stream of changes that survives broken connections without losing or repeating events.</summary>
public sealed partial class EtcdClient
{
    /// <summary>Watches a UTF-8 key (or prefix/range with options).</summary>
    public IAsyncEnumerable<WatchResponse> Watch(string key, WatchOptions? options = null, CancellationToken cancellationToken = default) =>
        Watch(EtcdKeys.Utf8(key), options, cancellationToken);

    /// <summary>
    /// Watches a key (or prefix/range with options). Responses with events are delivered in revision order (plus
    /// progress notifications when asked for). When the stream breaks it is re-created from the last delivered
    /// revision + 1 on the next endpoint. Compaction past that point throws <see cref="EtcdCompactedException"/>;
    /// another cancellation by etcd throws <see cref="EtcdWatchCanceledException"/>. Cancel the token to stop.
    /// </summary>
    public async IAsyncEnumerable<WatchResponse> Watch(ByteString key, WatchOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        options ??= new WatchOptions();
        var create = new WatchCreateRequest
        {
            Key = key,
            RangeEnd = options.RangeEnd ?? (options.Prefix ? EtcdKeys.PrefixEnd(key) : ByteString.Empty),
            PrevKv = options.PrevKv,
            ProgressNotify = options.ProgressNotify,
        };
        if (options.NoPut)
        {
            create.Filters.Add(WatchCreateRequest.Types.FilterType.Noput);
        }
        if (options.NoDelete)
        {
            create.Filters.Add(WatchCreateRequest.Types.FilterType.Nodelete);
        }
        // The next revision to deliver; 0 until known ("from now" watches learn it from the created response).
        var next = options.StartRevision;
        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var index = CurrentIndex;
            var callOptions = await CallOptionsAsync(cancellationToken).ConfigureAwait(false);
            using var call = _endpoints[index].Watch.Watch(callOptions);
            create.StartRevision = next;
            Exception? error = null;
            try
            {
                await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = create.Clone() }, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                error = e;
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                // The member's connection broke under the request (e.g. "Broken pipe" once it died): a break like any
                // other, resumed on the next member; before, the IOException escaped to the watcher.
                error = RpcErrors.Create(StatusCode.Unavailable, "sending the watch request failed: " + e.Message, e);
            }
            while (error is null)
            {
                WatchResponse response;
                try
                {
                    if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                    {
                        error = RpcErrors.Create(StatusCode.Unavailable, "etcd ended the watch stream");
                        break;
                    }
                    response = call.ResponseStream.Current;
                }
                catch (RpcException e) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException("the watch was cancelled", e, cancellationToken);
                }
                catch (RpcException e)
                {
                    error = e;
                    break;
                }
                if (response.Canceled)
                {
                    if (response.CompactRevision > 0)
                    {
                        throw new EtcdCompactedException(response.CompactRevision, next);
                    }
                    throw new EtcdWatchCanceledException(string.IsNullOrEmpty(response.CancelReason) ? "no reason given" : response.CancelReason);
                }
                if (response.Created)
                {
                    failures = 0;
                    if (next == 0)
                    {
                        next = response.Header.Revision + 1;
                    }
                    continue;
                }
                if (response.Events.Count > 0)
                {
                    next = response.Events[^1].Kv.ModRevision + 1;
                }
                else if (response.Header is not null)
                {
                    // A progress notification: everything up to this revision has been sent.
                    next = Math.Max(next, response.Header.Revision + 1);
                }
                yield return response;
            }
            failures++;
            if (error is RpcException re)
            {
                if (IsAuthRejected(re))
                {
                    await ReauthenticateAsync(callOptions.Headers, cancellationToken).ConfigureAwait(false);
                }
                else if (re.StatusCode is StatusCode.PermissionDenied or StatusCode.InvalidArgument or StatusCode.Unauthenticated or StatusCode.Unimplemented)
                {
                    throw re;
                }
            }
            Failover(index, error);
            _logger.LogInformation("watch stream on {Endpoint} broke ({Error}); resuming from revision {Next}", _endpoints[index].Address, error.Message, next);
            var backoff = TimeSpan.FromMilliseconds(Math.Min(Options.MaxRetryBackoff.TotalMilliseconds, 25 * (1 << Math.Min(failures, 6))));
            await Task.Delay(backoff, Options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }
}
