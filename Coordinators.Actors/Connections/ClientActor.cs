using System.Diagnostics;
using Coordinators.Actors.Components;
using GetComponentStatesRequest = Coordinators.Actors.Components.Proto.GetComponentStatesRequest;
using Coordinators.Actors.Config;
using Coordinators.Actors.Connections.Internal;
using Coordinators.Actors.Transport;
using Grpc.Core;
using Akka;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Connections;

/// <summary>
/// Owns the connection to one discovered session (MEP 2). Behaviours: Connecting (GetComponentStates with the
/// ServerID in metadata, retried per the connect policy in the background), Online, Offline (retries exhausted
/// or the address serves another process; waits for the next Add event) and Stopped (session deleted: the
/// lifetime token is cancelled, so every call in flight fails with Unavailable at once). While Online it re-checks
/// the peer on the health-check timer: failed checks in a row take it Offline (calls fail at once instead of
/// waiting out their timeouts on a hung peer), and the checks go on so that it comes back Online when it answers
/// as the same server again. It publishes an
/// immutable <see cref="ClientHandle"/> into the <see cref="ClientRegistry"/> at each change; callers never
/// send it messages.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Actors release resources in PostStop, which disposes the lifetime source.")]
internal sealed class ClientActor : ReceiveActor, IWithTimers
{
    private const string RetryTimer = "connect-retry";
    private const string HealthTimer = "health-check";

    private readonly string _key;
    private readonly string _role;
    private readonly IComponentClientFactory _factory;
    private readonly RetryPolicyOptions _policy;
    private readonly HealthCheckOptions _health;
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
    // Health checks failed in a row while Online; whether one is in flight (a slow peer gets no second one).
    private int _healthFailures;
    private bool _healthInFlight;

    public ClientActor(string key, string role, SessionInfo session, IComponentClientFactory factory, RetryPolicyOptions policy, HealthCheckOptions health, ClientRegistry registry, TimeProvider time, ILogger log)
    {
        Log = log;
        _key = key;
        _role = role;
        _session = session;
        _factory = factory;
        _policy = policy;
        _health = health;
        _registry = registry;
        _time = time;
        Connecting();
    }

    /// <summary>ClientActor instances started and not yet stopped in this process (benchmarks check for leaks).</summary>
    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private ILogger Log { get; }

    internal static int LiveCount => Volatile.Read(ref s_live);

    // Incremented in PreStart, decremented in PostStop.
    private static int s_live;

    protected override void PreStart()
    {
        Interlocked.Increment(ref s_live);
        _client = _factory.Create(_session, _lifetime.Token);
        StartRound("discovered");
        Context.Parent.Tell(new ClientStarted(), Self);
    }

    protected override void PostStop()
    {
        Interlocked.Decrement(ref s_live);
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
        Receive<SessionReadded>(m =>
        {
            // Same ServerID and address (the manager checks): the round goes on, but the handle must carry the
            // new session (e.g. a coordinator's active key republished with a new term), now and once Online.
            _session = m.Session;
            Publish(ClientState.Connecting, _handle!.ComponentState, null, "session updated");
        });
        Common();
    }

    private void Online()
    {
        Receive<MarkStale>(m => GoOffline(m.Reason));
        Receive<HealthTick>(_ => CheckHealth());
        Receive<HealthResult>(r => r.Generation == _generation, OnHealthWhileOnline);
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
        // Only an Offline entered through failed health checks keeps its timer: the others wait for an Add event.
        Receive<HealthTick>(_ => CheckHealth());
        Receive<HealthResult>(r => r.Generation == _generation, OnHealthWhileOffline);
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
        NewGeneration();
        Become(Connecting);
        Publish(ClientState.Connecting, StateCode.Initializing, null, reason);
        Attempt(1);
    }

    private void Attempt(int attempt)
    {
        var generation = _generation;
        var started = Stopwatch.GetTimestamp();
        var options = new CallOptions(deadline: _time.GetUtcNow().UtcDateTime + _policy.AttemptTimeout, cancellationToken: _lifetime.Token);
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
                GoOffline(NodeNotMatch(states.ServerId));
                return;
            }
            Become(Online);
            _handle = _handle! with { ConnectRoundTrip = r.RoundTrip };
            Publish(ClientState.Online, (StateCode)(int)states.State, null, "connected");
            ConnectionsLog.Online(Log, _role, _session.ServerId, _session.Address, r.Attempt, r.RoundTrip.TotalMilliseconds);
            StartHealthChecks();
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

    private void GoOffline(string reason, bool keepChecking = false)
    {
        NewGeneration();
        if (keepChecking)
        {
            StartHealthChecks();
        }
        Become(Offline);
        Publish(ClientState.Offline, _handle?.ComponentState ?? StateCode.Initializing, reason, reason);
        ConnectionsLog.Offline(Log, _role, _session.ServerId, _session.Address, reason);
    }

    // Ends whatever the previous behaviour had running: its connect retries, its health checks and their results.
    private void NewGeneration()
    {
        _generation++;
        Timers.Cancel(RetryTimer);
        Timers.Cancel(HealthTimer);
        _healthInFlight = false;
        _healthFailures = 0;
    }

    private void StartHealthChecks()
    {
        if (_health.Enabled)
        {
            Timers.StartPeriodicTimer(HealthTimer, HealthTick.Instance, _health.Interval);
        }
    }

    private void CheckHealth()
    {
        if (_healthInFlight)
        {
            return;
        }
        _healthInFlight = true;
        var generation = _generation;
        var options = new CallOptions(deadline: _time.GetUtcNow().UtcDateTime + _health.Timeout, cancellationToken: _lifetime.Token);
        _client!.GetComponentStatesAsync(new GetComponentStatesRequest(), options).PipeTo(
            Self,
            success: s => new HealthResult(generation, s, null),
            failure: e => new HealthResult(generation, null, e));
    }

    private void OnHealthWhileOnline(HealthResult r)
    {
        _healthInFlight = false;
        if (r.States is { } states)
        {
            if (states.ServerId != _session.ServerId)
            {
                GoOffline(NodeNotMatch(states.ServerId));
                return;
            }
            _healthFailures = 0;
            var state = (StateCode)(int)states.State;
            if (state != _handle!.ComponentState)
            {
                Publish(ClientState.Online, state, null, $"state {_handle.ComponentState} -> {state}");
            }
            return;
        }
        if (r.Error is RpcException notMatch && ComponentCalls.IsNodeNotMatch(notMatch))
        {
            // The address serves another process now (its interceptor said so): only a new Add event can help.
            GoOffline(notMatch.Status.Detail);
            return;
        }
        if (++_healthFailures >= _health.Failures)
        {
            GoOffline($"health check failed {_healthFailures} times, last: {Describe(r.Error!)}", keepChecking: true);
        }
    }

    private void OnHealthWhileOffline(HealthResult r)
    {
        _healthInFlight = false;
        if (r.States is { } states && states.ServerId == _session.ServerId)
        {
            NewGeneration();
            Become(Online);
            Publish(ClientState.Online, (StateCode)(int)states.State, null, "answers again");
            ConnectionsLog.Reachable(Log, _role, _session.ServerId, _session.Address);
            StartHealthChecks();
        }
        else if (r.States is { } other)
        {
            // Another process took the address: only a new Add event can help now.
            GoOffline(NodeNotMatch(other.ServerId));
        }
        else if (r.Error is RpcException notMatch && ComponentCalls.IsNodeNotMatch(notMatch))
        {
            GoOffline(notMatch.Status.Detail);
        }
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

    private string NodeNotMatch(long answeredAs) => $"node not match: {_session.Address} answers as server {answeredAs}, not {_session.ServerId}";

    private static string Describe(Exception e) => e is RpcException r ? $"{r.StatusCode}: {r.Status.Detail}" : e.Message;
}
