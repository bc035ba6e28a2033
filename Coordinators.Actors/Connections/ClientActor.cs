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
/// send it messages. Each behaviour's data is one immutable value passed to it (Connecting: the handle; Online and
/// Offline: <see cref="Health"/>); the only mutable fields are the generation and the handle last published.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Actors release resources in PostStop, which disposes the lifetime source.")]
internal sealed class ClientActor : ReceiveActor, IWithTimers
{
    private const string RetryTimer = "connect-retry";
    private const string HealthTimer = "health-check";

    private readonly string _key;
    private readonly string _role;
    private readonly RetryPolicyOptions _policy;
    private readonly HealthCheckOptions _health;
    private readonly ClientRegistry _registry;
    private readonly TimeProvider _time;
    // Cancelled once, when the session is deleted or the actor stops; every call is linked to it.
    private readonly CancellationTokenSource _lifetime = new();
    private readonly IComponentClient _client;
    private readonly SessionInfo _discovered;
    // The handle last published (immutable, replaced on each change); removed from the registry when the actor stops.
    private ClientHandle? _published;
    // Bumped when a connect round or a health-check series starts, so results of an abandoned one are ignored.
    private int _generation;

    public ClientActor(string key, string role, SessionInfo session, IComponentClientFactory factory, RetryPolicyOptions policy, HealthCheckOptions health, ClientRegistry registry, TimeProvider time, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Log = log;
        _key = key;
        _role = role;
        _discovered = session;
        _policy = policy;
        _health = health;
        _registry = registry;
        _time = time;
        _client = factory.Create(session, _lifetime.Token);
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
        StartRound(_discovered, "discovered");
        Context.Parent.Tell(new ClientStarted(), Self);
    }

    protected override void PostStop()
    {
        Interlocked.Decrement(ref s_live);
        _lifetime.Cancel();
        if (_published is { } handle)
        {
            _registry.Remove(_key, handle, "client stopped");
        }
        (_client as IDisposable)?.Dispose();
        _lifetime.Dispose();
    }

    /// <summary>Connecting: the data is the handle published for the round.</summary>
    private void Connecting(ClientHandle handle)
    {
        Receive<ConnectResult>(r => r.Generation == _generation, r => OnConnectResult(handle, r));
        Receive<ConnectRetry>(r => r.Generation == _generation, r => Attempt(r.Attempt));
        Receive<SessionReadded>(m =>
        {
            // Same ServerID and address (the manager checks): the round goes on, but the handle must carry the
            // new session (e.g. a coordinator's active key republished with a new term), now and once Online.
            var updated = Publish(m.Session, ClientState.Connecting, handle.ComponentState, null, "session updated");
            Become(() => Connecting(updated));
        });
        Common();
    }

    private void Online(Health health)
    {
        Receive<MarkStale>(m => GoOffline(health.Handle, m.Reason));
        Receive<HealthTick>(_ => CheckHealth(health, Online));
        Receive<HealthResult>(r => r.Generation == _generation, r => OnHealthWhileOnline(health, r));
        Receive<SessionReadded>(m =>
        {
            // A re-put of the same session (e.g. a primary republishing its active key) changes nothing.
            var updated = Publish(m.Session, ClientState.Online, health.Handle.ComponentState, null, "session updated");
            Become(() => Online(health with { Handle = updated }));
        });
        Common();
    }

    private void Offline(Health health)
    {
        // Only an Offline entered through failed health checks keeps its timer: the others wait for an Add event.
        Receive<HealthTick>(_ => CheckHealth(health, Offline));
        Receive<HealthResult>(r => r.Generation == _generation, r => OnHealthWhileOffline(health, r));
        Receive<SessionReadded>(m => StartRound(m.Session, "session added again"));
        Common();
    }

    private void Common()
    {
        Receive<SessionGone>(m =>
        {
            // Cancel before the mailbox processes the stop, so calls in flight abort now.
            _lifetime.Cancel();
            if (_published is { } handle)
            {
                _registry.Remove(_key, handle, m.Reason);
                _published = null;
            }
            Context.Stop(Self);
        });
        ReceiveAny(_ => { });
    }

    private void StartRound(SessionInfo session, string reason)
    {
        NewGeneration();
        var handle = Publish(session, ClientState.Connecting, StateCode.Initializing, null, reason);
        Become(() => Connecting(handle));
        Attempt(1);
    }

    private void Attempt(int attempt)
    {
        var generation = _generation;
        var started = Stopwatch.GetTimestamp();
        var options = new CallOptions(deadline: _time.GetUtcNow().UtcDateTime + _policy.AttemptTimeout, cancellationToken: _lifetime.Token);
        _client.GetComponentStatesAsync(new GetComponentStatesRequest(), options).PipeTo(
            Self,
            success: s => new ConnectResult(generation, attempt, s, null, Stopwatch.GetElapsedTime(started)),
            failure: e => new ConnectResult(generation, attempt, null, e, Stopwatch.GetElapsedTime(started)));
    }

    private void OnConnectResult(ClientHandle handle, ConnectResult r)
    {
        var session = handle.Session;
        if (r.States is { } states)
        {
            if (states.ServerId != session.ServerId)
            {
                GoOffline(handle, NodeNotMatch(session, states.ServerId));
                return;
            }
            var online = Publish(session, ClientState.Online, (StateCode)(int)states.State, null, "connected", r.RoundTrip);
            Become(() => Online(new Health(online, 0, false)));
            ConnectionsLog.Online(Log, _role, session.ServerId, session.Address, r.Attempt, r.RoundTrip.TotalMilliseconds);
            StartHealthChecks();
            return;
        }
        var error = r.Error!;
        if (error is RpcException re && ComponentCalls.IsNodeNotMatch(re))
        {
            // Another process serves the address: retrying cannot help until the session changes.
            GoOffline(handle, re.Status.Detail);
            return;
        }
        if (r.Attempt >= _policy.MaxAttempts)
        {
            GoOffline(handle, $"connect failed {r.Attempt} times, last: {Describe(error)}");
            return;
        }
        var backoff = TimeSpan.FromTicks(Math.Min(_policy.MaxBackoff.Ticks, _policy.Backoff.Ticks << Math.Min(r.Attempt - 1, 20)));
        ConnectionsLog.ConnectRetry(Log, _role, session.ServerId, session.Address, r.Attempt, Describe(error), backoff.TotalMilliseconds);
        Timers.StartSingleTimer(RetryTimer, new ConnectRetry(_generation, r.Attempt + 1), backoff);
    }

    private void GoOffline(ClientHandle handle, string reason, bool keepChecking = false)
    {
        NewGeneration();
        if (keepChecking)
        {
            StartHealthChecks();
        }
        var offline = Publish(handle.Session, ClientState.Offline, handle.ComponentState, reason, reason);
        Become(() => Offline(new Health(offline, 0, false)));
        ConnectionsLog.Offline(Log, _role, handle.Session.ServerId, handle.Session.Address, reason);
    }

    // Ends whatever the previous behaviour had running: its connect retries, its health checks and their results.
    private void NewGeneration()
    {
        _generation++;
        Timers.Cancel(RetryTimer);
        Timers.Cancel(HealthTimer);
    }

    private void StartHealthChecks()
    {
        if (_health.Enabled)
        {
            Timers.StartPeriodicTimer(HealthTimer, HealthTick.Instance, _health.Interval);
        }
    }

    /// <summary>Sends a health check unless one is in flight (a slow peer gets no second one).</summary>
    private void CheckHealth(Health health, Action<Health> behaviour)
    {
        if (health.InFlight)
        {
            return;
        }
        var checking = health with { InFlight = true };
        Become(() => behaviour(checking));
        var generation = _generation;
        var options = new CallOptions(deadline: _time.GetUtcNow().UtcDateTime + _health.Timeout, cancellationToken: _lifetime.Token);
        _client.GetComponentStatesAsync(new GetComponentStatesRequest(), options).PipeTo(
            Self,
            success: s => new HealthResult(generation, s, null),
            failure: e => new HealthResult(generation, null, e));
    }

    private void OnHealthWhileOnline(Health health, HealthResult r)
    {
        var handle = health.Handle;
        if (r.States is { } states)
        {
            if (states.ServerId != handle.Session.ServerId)
            {
                GoOffline(handle, NodeNotMatch(handle.Session, states.ServerId));
                return;
            }
            var state = (StateCode)(int)states.State;
            var current = state == handle.ComponentState
                ? handle
                : Publish(handle.Session, ClientState.Online, state, null, $"state {handle.ComponentState} -> {state}");
            Become(() => Online(new Health(current, 0, false)));
            return;
        }
        if (r.Error is RpcException notMatch && ComponentCalls.IsNodeNotMatch(notMatch))
        {
            // The address serves another process now (its interceptor said so): only a new Add event can help.
            GoOffline(handle, notMatch.Status.Detail);
            return;
        }
        var failures = health.Failures + 1;
        if (failures >= _health.Failures)
        {
            GoOffline(handle, $"health check failed {failures} times, last: {Describe(r.Error!)}", keepChecking: true);
            return;
        }
        Become(() => Online(new Health(handle, failures, false)));
    }

    private void OnHealthWhileOffline(Health health, HealthResult r)
    {
        var handle = health.Handle;
        if (r.States is { } states && states.ServerId == handle.Session.ServerId)
        {
            NewGeneration();
            var online = Publish(handle.Session, ClientState.Online, (StateCode)(int)states.State, null, "answers again");
            Become(() => Online(new Health(online, 0, false)));
            ConnectionsLog.Reachable(Log, _role, handle.Session.ServerId, handle.Session.Address);
            StartHealthChecks();
        }
        else if (r.States is { } other)
        {
            // Another process took the address: only a new Add event can help now.
            GoOffline(handle, NodeNotMatch(handle.Session, other.ServerId));
        }
        else if (r.Error is RpcException notMatch && ComponentCalls.IsNodeNotMatch(notMatch))
        {
            GoOffline(handle, notMatch.Status.Detail);
        }
        else
        {
            Become(() => Offline(health with { InFlight = false }));
        }
    }

    /// <summary>Publishes a new handle (the connect round trip carries over unless given) and returns it.</summary>
    private ClientHandle Publish(SessionInfo session, ClientState state, StateCode componentState, string? error, string reason, TimeSpan? roundTrip = null)
    {
        var handle = new ClientHandle
        {
            Key = _key,
            Role = _role,
            Session = session,
            State = state,
            ComponentState = componentState,
            ConnectRoundTrip = roundTrip ?? _published?.ConnectRoundTrip,
            LastError = error,
            Client = _client,
            Lifetime = _lifetime.Token,
        };
        _published = handle;
        _registry.Publish(handle, reason);
        return handle;
    }

    private static string NodeNotMatch(SessionInfo session, long answeredAs) => $"node not match: {session.Address} answers as server {answeredAs}, not {session.ServerId}";

    private static string Describe(Exception e) => e is RpcException r ? $"{r.StatusCode}: {r.Status.Detail}" : e.Message;

    /// <summary>
    /// The data of Online and Offline: the handle published, the health checks failed in a row (Online) and whether one
    /// is in flight. Immutable: each change becomes the behaviour again with a new record.
    /// </summary>
    private sealed record Health(ClientHandle Handle, int Failures, bool InFlight);
}
