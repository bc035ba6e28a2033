using Coordinators.Actors.Transport;
using Grpc.Core;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Etcd;

/// <summary>Unary calls with endpoint failover, retry rules and auth tokens.</summary>
public sealed partial class EtcdClient
{
    /// <summary>
    /// Makes a unary call on the current endpoint, moving to the next one on Unavailable. The call is repeated
    /// only when <paramref name="idempotent"/> or when it provably never left (connection refused).
    /// </summary>
    internal async Task<TResponse> CallAsync<TResponse>(Func<EtcdEndpoint, CallOptions, AsyncUnaryCall<TResponse>> call, bool idempotent,
        CancellationToken cancellationToken, bool authenticate = true)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var attempts = Math.Max(2, _endpoints.Length * 2);
        var reauthenticated = false;
        for (var attempt = 1; ; attempt++)
        {
            var index = Volatile.Read(ref _current);
            var options = authenticate ? await CallOptionsAsync(cancellationToken).ConfigureAwait(false) : new CallOptions(cancellationToken: cancellationToken);
            if (Options.RequestTimeout is { } timeout)
            {
                options = options.WithDeadline(Options.TimeProvider.GetUtcNow().UtcDateTime + timeout);
            }
            try
            {
                using var pending = call(_endpoints[index], options);
                return await pending.ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException raw) when (!cancellationToken.IsCancellationRequested)
            {
                var e = RpcErrors.AsUnavailableWhenNotSent(raw);
                if (authenticate && !reauthenticated && Options.Username is not null && IsAuthRejected(e))
                {
                    reauthenticated = true;
                    await ReauthenticateAsync(options.Headers, cancellationToken).ConfigureAwait(false);
                    attempt--;
                    continue;
                }
                var retry = e.StatusCode switch
                {
                    StatusCode.Unavailable => idempotent || RpcErrors.WasNotSent(e),
                    // Our own per-attempt deadline: a paused or partitioned member. Safe to repeat only for reads.
                    StatusCode.DeadlineExceeded => idempotent,
                    _ => false,
                };
                if (!retry || attempt >= attempts)
                {
                    if (ReferenceEquals(e, raw))
                    {
                        throw;
                    }
                    throw e;
                }
                Failover(index, e);
                if (attempt % _endpoints.Length == 0)
                {
                    // Every endpoint failed once in a row: give the cluster a moment (a leader election takes ~1 s).
                    await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt / _endpoints.Length), Options.TimeProvider, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Call options carrying the auth token (authenticating first when a user is configured).</summary>
    internal ValueTask<CallOptions> CallOptionsAsync(CancellationToken cancellationToken)
    {
        if (Options.Username is null || _authHeaders is not null)
        {
            return ValueTask.FromResult(new CallOptions(_authHeaders, cancellationToken: cancellationToken));
        }
        return Slow();

        async ValueTask<CallOptions> Slow()
        {
            await ReauthenticateAsync(null, cancellationToken).ConfigureAwait(false);
            return new CallOptions(_authHeaders, cancellationToken: cancellationToken);
        }
    }

    /// <summary>Moves calls from the endpoint at <paramref name="failedIndex"/> to the next one, unless another caller already did.</summary>
    internal void Failover(int failedIndex, Exception reason)
    {
        if (_endpoints.Length == 1)
        {
            return;
        }
        var next = (failedIndex + 1) % _endpoints.Length;
        if (Interlocked.CompareExchange(ref _current, next, failedIndex) == failedIndex)
        {
            _logger.LogInformation("etcd endpoint {Failed} failed ({Reason}); moving to {Next}",
                _endpoints[failedIndex].Address, reason.Message, _endpoints[next].Address);
        }
    }

    /// <summary>Index of the endpoint calls currently go to.</summary>
    internal int CurrentIndex => Volatile.Read(ref _current);

    internal EtcdEndpoint EndpointAt(int index) => _endpoints[index];

    internal int EndpointCount => _endpoints.Length;

    /// <summary>True for etcd's "invalid auth token" and "auth store revision is old" rejections.</summary>
    internal static bool IsAuthRejected(RpcException e) =>
        (e.StatusCode == StatusCode.Unauthenticated && e.Status.Detail.Contains("invalid auth token", StringComparison.Ordinal)) ||
        (e.StatusCode == StatusCode.InvalidArgument && e.Status.Detail.Contains("revision of auth store is old", StringComparison.Ordinal));

    /// <summary>Gets a new token unless another caller already replaced <paramref name="rejected"/>.</summary>
    internal async Task ReauthenticateAsync(Metadata? rejected, CancellationToken cancellationToken)
    {
        if (Options.Username is null)
        {
            return;
        }
        await _authLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_authHeaders is not null && !ReferenceEquals(_authHeaders, rejected))
            {
                return;
            }
            await AuthenticateAsync(Options.Username, Options.Password ?? string.Empty, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _authLock.Release();
        }
    }
}
