namespace Coordinators.Actors.Kernel;

/// <summary>
/// Keeps one child alive, restarting it with exponentially growing, jittered delays, for actors that talk to etcd
/// or remote peers and should not hammer a peer that is down. The child's failures stop it (rather than restart it
/// at once); the supervisor then waits <c>MinBackoff * 2^n</c> (capped at <c>MaxBackoff</c>, stretched by jitter)
/// before creating a fresh child under the same name. After the child has run for <c>ResetAfter</c> the count
/// falls back to zero. Messages sent to the supervisor are forwarded to the current child with their sender; while
/// no child exists they become dead letters. Ask it <see cref="GetCurrentChild"/> or <see cref="GetRestartCount"/>
/// to observe it.
/// </summary>
public sealed class BackoffSupervisor : Actor
{
    private const string StartKey = "backoff-start";
    private const string ResetKey = "backoff-reset";

    private readonly BackoffOptions _options;
    private IActorRef? _child;
    private int _restartCount;
    private long _childGeneration;

    // Set by the decider (on the child's thread) before the child stops; read when its Terminated arrives.
    private volatile bool _childFailed;

    private BackoffSupervisor(BackoffOptions options)
    {
        _options = options;
        Receive<Terminated>(OnTerminated);
        Receive<StartChild>(_ => StartNewChild());
        Receive<ResetRestartCount>(r =>
        {
            if (r.Generation == _childGeneration)
            {
                _restartCount = 0;
            }
        });
        Receive<GetCurrentChild>(_ => Sender.Tell(new CurrentChild(_child), Self));
        Receive<GetRestartCount>(_ => Sender.Tell(new RestartCount(_restartCount), Self));
        ReceiveAny(m =>
        {
            if (_child is not null)
            {
                _child.Tell(m, Sender);
            }
            else
            {
                Context.System.DeadLetters.Tell(new DeadLetter(m, Sender, Self));
            }
        });
    }

    /// <summary>Props for a backoff supervisor of the child described by <paramref name="options"/>.</summary>
    public static Props Props(BackoffOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Kernel.Props.Create(() => new BackoffSupervisor(options));
    }

    /// <summary>
    /// The delay before restart number <paramref name="restartCount"/> + 1: <paramref name="min"/> doubled
    /// <paramref name="restartCount"/> times, capped at <paramref name="max"/>, then stretched by
    /// <c>1 + random01 * randomFactor</c>.
    /// </summary>
    public static TimeSpan CalculateDelay(int restartCount, TimeSpan min, TimeSpan max, double randomFactor, double random01)
    {
        var exponential = restartCount >= 30 ? max.TotalMilliseconds : min.TotalMilliseconds * Math.Pow(2, restartCount);
        var capped = Math.Min(max.TotalMilliseconds, exponential);
        return TimeSpan.FromMilliseconds(capped * (1 + (random01 * randomFactor)));
    }

    /// <inheritdoc />
    protected override void PreStart() => StartNewChild();

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ =>
    {
        _childFailed = true;
        return Directive.Stop;
    });

    private void StartNewChild()
    {
        _child = Context.Watch(Context.ActorOf(_options.ChildProps, _options.ChildName));
        _childGeneration++;
        Timers.StartSingleTimer(ResetKey, new ResetRestartCount(_childGeneration), _options.ResetAfter ?? _options.MinBackoff);
    }

    private void OnTerminated(Terminated terminated)
    {
        if (!terminated.ActorRef.Equals(_child))
        {
            return;
        }
        _child = null;
        Timers.Cancel(ResetKey);
        var failed = _childFailed;
        _childFailed = false;
        if (!failed && _options.Mode == BackoffMode.OnFailure)
        {
            Context.Stop(Self);
            return;
        }
        if (_options.MaxRestarts >= 0 && _restartCount >= _options.MaxRestarts)
        {
            Context.Stop(Self);
            return;
        }
        var delay = CalculateDelay(_restartCount, _options.MinBackoff, _options.MaxBackoff, _options.RandomFactor, Random.Shared.NextDouble());
        _restartCount++;
        KernelLog.BackoffRestart(Log, Self.Path, delay, _restartCount);
        Timers.StartSingleTimer(StartKey, StartChild.Instance, delay);
    }

    private sealed class StartChild
    {
        public static readonly StartChild Instance = new();
    }

    private sealed record ResetRestartCount(long Generation);
}

/// <summary>Ask a <see cref="BackoffSupervisor"/> for its current child; it replies <see cref="CurrentChild"/>.</summary>
public sealed record GetCurrentChild
{
    /// <summary>The only instance needed.</summary>
    public static readonly GetCurrentChild Instance = new();
}

/// <summary>A <see cref="BackoffSupervisor"/>'s reply: its child, or null while waiting to restart it.</summary>
public sealed record CurrentChild(IActorRef? Ref);

/// <summary>Ask a <see cref="BackoffSupervisor"/> how many restarts it made since the last reset; it replies <see cref="RestartCount"/>.</summary>
public sealed record GetRestartCount
{
    /// <summary>The only instance needed.</summary>
    public static readonly GetRestartCount Instance = new();
}

/// <summary>A <see cref="BackoffSupervisor"/>'s reply: restarts since the last reset.</summary>
public sealed record RestartCount(int Count);
