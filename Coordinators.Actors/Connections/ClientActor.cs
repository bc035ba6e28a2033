using System.Diagnostics;
using Coordinators.Actors.Components;
using GetComponentStatesRequest = Coordinators.Actors.Components.Proto.GetComponentStatesRequest;
using Coordinators.Actors.Config;
using Coordinators.Actors.Connections.Internal;
using Coordinators.Actors.Grpc;
using Coordinators.Actors.Kernel;
using Coordinators.Actors.Sessions;

namespace Coordinators.Actors.Connections;

/// <summary>
/// Owns the connection to one discovered session (MEP 2). Behaviours: Connecting (GetComponentStates with the
/// ServerID in metadata, retried per the connect policy in the background), Online, Offline (retries exhausted
/// or the address serves another process; waits for the next Add event) and Stopped (session deleted: the
/// lifetime token is cancelled, so every call in flight fails with Unavailable at once). It publishes an
/// immutable <see cref="ClientHandle"/> into the <see cref="ClientRegistry"/> at each change; callers never
/// send it messages.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Actors release resources in PostStop, which disposes the lifetime source.")]
internal sealed class ClientActor : Actor
{
    private const string RetryTimer = "connect-retry";

    private readonly string _key;
    private readonly string _role;
    private readonly IComponentClientFactory _factory;
    private readonly RetryPolicyOptions _policy;
    private readonly ClientRegistry _registry;
    private readonly TimeProvider _time;
    // Cancelled once, when the session is deleted or the actor stops; every call is linked to it.
    private readonly CancellationTokenSource _lifetime = new();
    private SessionInfo _session;
    private IComponentClient? _client;
    // The handle currently published; replaced (never mutated) on each change.
    private ClientHandle? _handle;
    // Bumped when a connect round starts, so results of an abandoned round are ignored.
    private int _generation;
    private string _stopReason = "client stopped";

    public ClientActor(string key, string role, SessionInfo session, IComponentClientFactory factory, RetryPolicyOptions policy, ClientRegistry registry, TimeProvider time)
    {
        _key = key;
        _role = role;
        _session = session;
        _factory = factory;
        _policy = policy;
        _registry = registry;
        _time = time;
        Connecting();
    }

    protected override void PreStart()
    {
        _client = _factory.Create(_session, _lifetime.Token);
        StartRound("discovered");
        Context.Parent.Tell(new ClientStarted(), Self);
    }

    protected override void PostStop()
    {
        _lifetime.Cancel();
        if (_handle is not null)
        {
            _registry.Remove(_key, _handle, _stopReason);
        }
        (_client as IDisposable)?.Dispose();
        _lifetime.Dispose();
    }

    private void Connecting()
    {
        Receive<ConnectResult>(r => r.Generation == _generation, OnConnectResult);
        Receive<ConnectRetry>(r => r.Generation == _generation, r => Attempt(r.Attempt));
        Common();
    }

    private void Online()
    {
        Receive<MarkStale>(m => GoOffline(m.Reason));
        Receive<SessionReadded>(m =>
        {
            // A re-put of the same session (e.g. a primary republishing its active key) changes nothing.
            _session = m.Session;
            Publish(ClientState.Online, _handle!.ComponentState, null, "session updated");
        });
        Common();
    }

    private void Offline()
    {
        Receive<SessionReadded>(m =>
        {
            _session = m.Session;
            StartRound("session added again");
        });
        Common();
    }

    private void Common()
    {
        Receive<SessionGone>(m =>
        {
            _stopReason = m.Reason;
            // Cancel before the mailbox processes the stop, so calls in flight abort now.
            _lifetime.Cancel();
            Context.Stop(Self);
        });
        ReceiveAny(_ => { });
    }

    private void StartRound(string reason)
    {
        _generation++;
        Timers.Cancel(RetryTimer);
        Become(Connecting);
        Publish(ClientState.Connecting, StateCode.Initializing, null, reason);
        Attempt(1);
    }

    private void Attempt(int attempt)
    {
        var generation = _generation;
        var started = Stopwatch.GetTimestamp();
        var options = new CallOptions(Deadline: _time.GetUtcNow().UtcDateTime + _policy.AttemptTimeout, CancellationToken: _lifetime.Token);
        _client!.GetComponentStatesAsync(new GetComponentStatesRequest(), options).PipeTo(
            Self,
            success: s => new ConnectResult(generation, attempt, s, null, Stopwatch.GetElapsedTime(started)),
            failure: e => new ConnectResult(generation, attempt, null, e, Stopwatch.GetElapsedTime(started)));
    }

    private void OnConnectResult(ConnectResult r)
    {
        if (r.States is { } states)
        {
            if (states.ServerId != _session.ServerId)
            {
                GoOffline($"node not match: {_session.Address} answers as server {states.ServerId}, not {_session.ServerId}");
                return;
            }
            Become(Online);
            _handle = _handle! with { ConnectRoundTrip = r.RoundTrip };
            Publish(ClientState.Online, (StateCode)(int)states.State, null, "connected");
            ConnectionsLog.Online(Log, _role, _session.ServerId, _session.Address, r.Attempt, r.RoundTrip.TotalMilliseconds);
            return;
        }
        var error = r.Error!;
        if (error is RpcException re && ComponentCalls.IsNodeNotMatch(re))
        {
            // Another process serves the address: retrying cannot help until the session changes.
            GoOffline(re.Status.Detail);
            return;
        }
        if (r.Attempt >= _policy.MaxAttempts)
        {
            GoOffline($"connect failed {r.Attempt} times, last: {Describe(error)}");
            return;
        }
        var backoff = TimeSpan.FromTicks(Math.Min(_policy.MaxBackoff.Ticks, _policy.Backoff.Ticks << Math.Min(r.Attempt - 1, 20)));
        ConnectionsLog.ConnectRetry(Log, _role, _session.ServerId, _session.Address, r.Attempt, Describe(error), backoff.TotalMilliseconds);
        Timers.StartSingleTimer(RetryTimer, new ConnectRetry(_generation, r.Attempt + 1), backoff);
    }

    private void GoOffline(string reason)
    {
        _generation++;
        Timers.Cancel(RetryTimer);
        Become(Offline);
        Publish(ClientState.Offline, _handle?.ComponentState ?? StateCode.Initializing, reason, reason);
        ConnectionsLog.Offline(Log, _role, _session.ServerId, _session.Address, reason);
    }

    private void Publish(ClientState state, StateCode componentState, string? error, string reason)
    {
        _handle = new ClientHandle
        {
            Key = _key,
            Role = _role,
            Session = _session,
            State = state,
            ComponentState = componentState,
            ConnectRoundTrip = _handle?.ConnectRoundTrip,
            LastError = error,
            Client = _client!,
            Lifetime = _lifetime.Token,
        };
        _registry.Publish(_handle, reason);
    }

    private static string Describe(Exception e) => e is RpcException r ? $"{r.StatusCode}: {r.Status.Detail}" : e.Message;
}
