using System.Diagnostics;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coordinators.Actors.Components;

/// <summary>
/// The uniform start-up of one process (MEP 2): ordered lifecycle stages, as Orleans' silo lifecycle, where
/// <see cref="StartAsync"/> runs the stages in ascending order and <see cref="StopAsync"/> runs the stops of
/// the started ones in descending order, every one of them even when some throw. It also holds the component's
/// observable state (<see cref="Snapshot"/>, <see cref="WatchStates"/>) that the <c>coordinators.Component</c>
/// service and the health service answer from. See <see cref="ComponentStages"/> for the standard orders.
/// </summary>
public sealed partial class ComponentHost : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    // Stages in registration order; sorted (stably) by order when started. Frozen once StartAsync began.
    private readonly List<Stage> _stages = [];
    // Stages whose start completed, in start order; their stops run in reverse.
    private readonly List<Stage> _started = [];
    private readonly TaskCompletionSource<int> _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // 0 created, 1 starting/started, 2 stopping/stopped.
    private int _lifecycle;

    /// <summary>Creates the host of one component of <paramref name="role"/>; its state starts as Initializing.</summary>
    public ComponentHost(string role, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        Role = role;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = LoggerFactory.CreateLogger("Coordinators.Components");
        _time = timeProvider ?? TimeProvider.System;
        _snapshot = new ComponentStateSnapshot(1, role, 0, StateCode.Initializing, 0, string.Empty, "created");
        PublishHealth(StateCode.Initializing);
    }

    /// <summary>The component's role, e.g. "rootcoord" or "querynode".</summary>
    public string Role { get; }

    /// <summary>The operating-system process id.</summary>
    public int Pid { get; } = Environment.ProcessId;

    /// <summary>Where the component's parts log.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The standard grpc.health.v1 service (Grpc.HealthCheck): "" is SERVING until Stopping; the role's name and "coordinators.Component" only while Healthy.</summary>
    public HealthServiceImpl Health { get; } = new();

    /// <summary>
    /// Completes with an exit code when a part of the component asks the process to end (e.g. a primary that
    /// lost its session with <c>exit-on-session-loss = on</c>). The host command awaits it beside the signals.
    /// </summary>
    public Task<int> StopRequested => _stopRequested.Task;

    /// <summary>
    /// Adds a lifecycle stage. <paramref name="start"/> runs in ascending <paramref name="order"/> (stages of equal
    /// order in the order added); <paramref name="stop"/>, when given, runs in reverse at <see cref="StopAsync"/>
    /// if the start completed. Stages must be added before <see cref="StartAsync"/>.
    /// </summary>
    public ComponentHost AddStage(string name, int order, Func<CancellationToken, Task> start, Func<CancellationToken, Task>? stop = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(start);
        lock (_stages)
        {
            if (Volatile.Read(ref _lifecycle) != 0)
            {
                throw new InvalidOperationException($"stage '{name}' added after the component started");
            }
            _stages.Add(new Stage(name, order, start, stop));
        }
        return this;
    }

    /// <summary>
    /// Runs every stage's start in order. When one throws, the stages already started are stopped (in reverse)
    /// and the exception is rethrown; the state becomes Abnormal.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _lifecycle, 1, 0) != 0)
        {
            throw new InvalidOperationException("the component was already started");
        }
        List<Stage> ordered;
        lock (_stages)
        {
            ordered = [.. _stages.OrderBy(s => s.Order)];
        }
        foreach (var stage in ordered)
        {
            var started = _time.GetTimestamp();
            try
            {
                await stage.Start(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                ComponentLog.StageStartFailed(_logger, Role, stage.Name, stage.Order, e.Message, e);
                SetState(StateCode.Abnormal, $"stage {stage.Name} failed: {e.Message}");
                await StopStartedAsync(CancellationToken.None).ConfigureAwait(false);
                throw;
            }
            lock (_started)
            {
                _started.Add(stage);
            }
            ComponentLog.StageStarted(_logger, Role, stage.Name, stage.Order, _time.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>
    /// Sets the state to Stopping and runs the stop of every started stage in reverse order. Every stop runs
    /// even when earlier ones throw; their exceptions are logged and thrown together as an AggregateException.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _lifecycle, 2) == 2)
        {
            return;
        }
        SetState(StateCode.Stopping, "stopping");
        var errors = await StopStartedAsync(cancellationToken).ConfigureAwait(false);
        CompleteWatchers();
        if (errors.Count > 0)
        {
            throw new AggregateException($"{errors.Count} stop step(s) of {Role} failed", errors);
        }
    }

    /// <summary>Asks the process to end with <paramref name="exitCode"/>; the first request wins.</summary>
    public void RequestStop(int exitCode, string reason)
    {
        if (_stopRequested.TrySetResult(exitCode))
        {
            ComponentLog.StopRequested(_logger, Role, exitCode, reason);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        catch (AggregateException)
        {
            // Already logged stage by stage.
        }
    }

    private async Task<List<Exception>> StopStartedAsync(CancellationToken cancellationToken)
    {
        List<Stage> started;
        lock (_started)
        {
            started = [.. _started];
            _started.Clear();
        }
        var errors = new List<Exception>();
        for (var i = started.Count - 1; i >= 0; i--)
        {
            var stage = started[i];
            if (stage.Stop is null)
            {
                continue;
            }
            var t0 = _time.GetTimestamp();
            try
            {
                await stage.Stop(cancellationToken).ConfigureAwait(false);
                ComponentLog.StageStopped(_logger, Role, stage.Name, stage.Order, _time.GetElapsedTime(t0).TotalMilliseconds);
            }
            catch (Exception e)
            {
                // Keep going: a failed stop must not leave the later (earlier-started) stages running.
                ComponentLog.StageStopFailed(_logger, Role, stage.Name, stage.Order, e.Message, e);
                errors.Add(e);
            }
        }
        return errors;
    }

    [DebuggerDisplay("{Name} @{Order}")]
    private sealed record Stage(string Name, int Order, Func<CancellationToken, Task> Start, Func<CancellationToken, Task>? Stop);
}
