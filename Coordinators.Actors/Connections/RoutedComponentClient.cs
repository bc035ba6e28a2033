using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Transport;
using Grpc.Core;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Connections;

/// <summary>
/// The <see cref="IComponentClient"/> handed out by <see cref="ConnectionManager.ForRole"/> and
/// <see cref="ConnectionManager.ForServer"/>: each call picks a target from the registry (no actor round trip),
/// fails fast with Unavailable when none is online, and retries per the call policy
/// (<see cref="CallRetryPolicy"/>). "Node not match" drops that client and re-resolves its key. With
/// wait-for-primary, a call to a coordinator role made while no primary is online waits for the next one
/// within its deadline, bounded by <see cref="ConnectionManagerOptions.MaxPrimaryWaiters"/>.
/// </summary>
public sealed class RoutedComponentClient : IComponentClient
{
    private readonly ConnectionManager _manager;
    private readonly ClientRegistry _registry;
    private readonly TimeProvider _time;
    private readonly Config.RetryPolicyOptions _policy;
    // Exactly one of role / serverId names the target.
    private readonly string? _role;
    private readonly long _serverId;
    private readonly string? _activeKey;
    private readonly bool _waitForPrimary;
    // Round-robin cursor over a node role's online clients.
    private int _next;

    internal RoutedComponentClient(ConnectionManager manager, string? role, long serverId, bool waitForPrimary)
    {
        _manager = manager;
        _registry = manager.Registry;
        _time = manager.Options.TimeProvider;
        _policy = manager.Options.Call;
        _role = role;
        _serverId = serverId;
        _waitForPrimary = waitForPrimary && role is not null;
        _activeKey = role is not null && Roles.IsCoordinator(role) ? manager.Options.Layout.ActiveKey(role) : null;
    }

    /// <summary>What the client targets, e.g. "rootcoord primary", "querynode" or "server 7".</summary>
    public string Target => _role is null ? $"server {_serverId}" : _activeKey is not null ? $"{_role} primary" : _role;

    /// <inheritdoc />
    public Task<ComponentStates> GetComponentStatesAsync(GetComponentStatesRequest request, CallOptions options = default) =>
        InvokeAsync((c, o) => c.GetComponentStatesAsync(request, o), options);

    /// <inheritdoc />
    public Task<PingResponse> PingAsync(PingRequest request, CallOptions options = default) => InvokeAsync((c, o) => c.PingAsync(request, o), options);

    /// <inheritdoc />
    public Task<WorkResponse> WorkAsync(WorkRequest request, CallOptions options = default) => InvokeAsync((c, o) => c.WorkAsync(request, o), options);

    /// <inheritdoc />
    public Task<ProxyResponse> ProxyAsync(ProxyRequest request, CallOptions options = default) => InvokeAsync((c, o) => c.ProxyAsync(request, o), options);

    /// <summary>Runs <paramref name="call"/> against the target under the call policy.</summary>
    public Task<T> InvokeAsync<T>(Func<IComponentClient, CallOptions, Task<T>> call, CallOptions options = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        var first = Pick(null);
        if (first is null && !_waitForPrimary)
        {
            // The fail-fast path: one snapshot read, no allocation beyond the exception.
            Telemetry.RecordFailFast(TargetRole);
            return Task.FromException<T>(NotOnline());
        }
        return RunAsync(call, options, first);
    }

    // The role a call's metrics are tagged with: the role asked for, or the target server's role once it is known.
    private string TargetRole => _role ?? _registry.ByServerId(_serverId)?.Role ?? "unknown";

    private async Task<T> RunAsync<T>(Func<IComponentClient, CallOptions, Task<T>> call, CallOptions options, ClientHandle? first)
    {
        var started = _time.GetTimestamp();
        var status = "OK";
        try
        {
            return await AttemptAsync(call, options, first).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            status = RpcErrors.StatusName(e.StatusCode);
            throw;
        }
        catch (OperationCanceledException)
        {
            status = "CANCELLED";
            throw;
        }
        finally
        {
            Telemetry.RecordCall(TargetRole, status, _time.GetElapsedTime(started));
        }
    }

    private async Task<T> AttemptAsync<T>(Func<IComponentClient, CallOptions, Task<T>> call, CallOptions options, ClientHandle? first)
    {
        var deadline = options.Deadline?.ToUniversalTime()
            ?? (_waitForPrimary ? Now + _policy.AttemptTimeout * _policy.MaxAttempts : null);
        var token = options.CancellationToken;
        HashSet<long>? excluded = null;
        RpcException? last = null;
        for (var attempt = 1; ; attempt++)
        {
            var handle = first ?? Pick(excluded);
            first = null;
            if (handle is null)
            {
                if (!_waitForPrimary)
                {
                    throw last ?? NotOnline();
                }
                handle = await WaitForTargetAsync(deadline!.Value, excluded, token).ConfigureAwait(false);
            }
            var attemptDeadline = Now + _policy.AttemptTimeout;
            if (deadline is { } d && d < attemptDeadline)
            {
                attemptDeadline = d;
            }
            try
            {
                return await call(handle.Client, options.WithDeadline(attemptDeadline)).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                last = e;
                var passed = token.IsCancellationRequested || (deadline is { } dl && Now >= dl);
                var elsewhere = _role is not null && _activeKey is null && TryExclude(ref excluded, handle.ServerId);
                var decision = CallRetryPolicy.Decide(e, attempt, _policy.MaxAttempts, passed, Pick(excluded) is not null, _waitForPrimary, elsewhere);
                switch (decision.Action)
                {
                    case CallAction.Fail:
                        throw;
                    case CallAction.Reresolve:
                        _manager.Reresolve(handle);
                        (excluded ??= []).Add(handle.ServerId);
                        continue;
                    case CallAction.RetryElsewhere:
                        continue;
                }
                await BackoffAsync(attempt + 1, deadline, handle.ServerId, token).ConfigureAwait(false);
            }
        }
    }

    private async Task BackoffAsync(int nextAttempt, DateTime? deadline, long failedServerId, CancellationToken token)
    {
        var delay = CallRetryPolicy.Backoff(_policy, nextAttempt);
        if (deadline is { } d && d - Now < delay)
        {
            delay = d - Now > TimeSpan.Zero ? d - Now : TimeSpan.Zero;
        }
        try
        {
            if (_role is not null && _waitForPrimary)
            {
                // A new primary publishing ends the wait early. The signal is taken before looking, so a primary
                // published while the failed call was in flight, or just now, is not waited out.
                var change = _registry.NextChange(_role);
                if (Pick(null) is { } next && next.ServerId != failedServerId)
                {
                    return;
                }
                await change.WaitAsync(delay, _time, token).ConfigureAwait(false);
            }
            else
            {
                await Task.Delay(delay, _time, token).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
        }
        catch (OperationCanceledException e) when (token.IsCancellationRequested)
        {
            throw RpcErrors.Create(StatusCode.Cancelled, "Call canceled by the client.", e);
        }
    }

    private async Task<ClientHandle> WaitForTargetAsync(DateTime deadline, HashSet<long>? excluded, CancellationToken token)
    {
        if (!_manager.TryEnterPrimaryWait())
        {
            throw RpcErrors.Create(StatusCode.Unavailable, $"no {Target} online and {_manager.Options.MaxPrimaryWaiters} calls already wait for one");
        }
        try
        {
            while (true)
            {
                // Take the change signal before looking, so a publish between the two is never missed.
                var change = _registry.NextChange(_role!);
                if (Pick(excluded) is { } handle)
                {
                    return handle;
                }
                var remaining = deadline - Now;
                if (remaining <= TimeSpan.Zero)
                {
                    throw RpcErrors.Create(StatusCode.DeadlineExceeded, $"no {Target} came online within the call's deadline");
                }
                try
                {
                    await change.WaitAsync(remaining, _time, token).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
                catch (OperationCanceledException e) when (token.IsCancellationRequested)
                {
                    throw RpcErrors.Create(StatusCode.Cancelled, "Call canceled by the client.", e);
                }
            }
        }
        finally
        {
            _manager.ExitPrimaryWait();
        }
    }

    // Excludes a failed node for the rest of this call when another of its role is online; otherwise keeps it,
    // so a role with a single node still gets its retries on that node.
    private bool TryExclude(ref HashSet<long>? excluded, long serverId)
    {
        excluded ??= [];
        if (!excluded.Add(serverId))
        {
            return Pick(excluded) is not null;
        }
        if (Pick(excluded) is not null)
        {
            return true;
        }
        excluded.Remove(serverId);
        return false;
    }

    private ClientHandle? Pick(HashSet<long>? excluded)
    {
        if (_role is null)
        {
            var h = _registry.ByServerId(_serverId);
            return h is { IsOnline: true } && excluded?.Contains(h.ServerId) != true ? h : null;
        }
        if (_activeKey is not null)
        {
            var primary = _registry.ByKey(_activeKey);
            return primary is { IsOnline: true } && excluded?.Contains(primary.ServerId) != true ? primary : null;
        }
        var online = _registry.Online(_role);
        if (online.IsEmpty)
        {
            return null;
        }
        var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)online.Length);
        for (var i = 0; i < online.Length; i++)
        {
            var h = online[(start + i) % online.Length];
            if (excluded?.Contains(h.ServerId) != true)
            {
                return h;
            }
        }
        return null;
    }

    private RpcException NotOnline()
    {
        if (_role is null)
        {
            var h = _registry.ByServerId(_serverId);
            return RpcErrors.Create(StatusCode.Unavailable, h is null
                ? $"server {_serverId} is not a known session"
                : $"server {_serverId} is {h.State}{(h.LastError is null ? string.Empty : ": " + h.LastError)}");
        }
        return RpcErrors.Create(StatusCode.Unavailable, $"no {Target} is online");
    }

    private DateTime Now => _time.GetUtcNow().UtcDateTime;
}
