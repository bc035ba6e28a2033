namespace Coordinators.Actors.Kernel;

/// <summary>Creation, failure handling (supervision), restart and stop of one actor.</summary>
internal sealed partial class ActorCell
{
    // The strategy this actor applies to its children; read by children on their own threads when they fail.
    private volatile SupervisorStrategy _childStrategy = SupervisorStrategy.Default;

    private void Create()
    {
        if (!TryCreateInstance())
        {
            return;
        }
        try
        {
            _actor!.InvokePreStart();
        }
        catch (Exception ex)
        {
            FailInitialization(ex);
        }
    }

    private bool TryCreateInstance()
    {
        try
        {
            Actor actor;
            t_constructing = this;
            try
            {
                actor = _props.Factory();
            }
            finally
            {
                t_constructing = null;
            }
            actor.EndConstruction();
            _actor = actor;
            _childStrategy = _props.SupervisorStrategy ?? actor.InvokeSupervisorStrategy();
            return true;
        }
        catch (Exception ex)
        {
            FailInitialization(ex);
            return false;
        }
    }

    private void FailInitialization(Exception ex)
    {
        var wrapped = ex as ActorInitializationException ?? new ActorInitializationException(Path, ex);
        KernelLog.InitializationFailed(_system.Logger, wrapped.InnerException ?? wrapped, Path);
        BeginStop();
    }

    /// <summary>Applies the parent's strategy to a handler failure. Runs on this actor's thread.</summary>
    private void HandleFailure(Exception cause, object? message, ActorCell? escalatedFrom)
    {
        if (_stopping)
        {
            KernelLog.FailureWhileStopping(_system.Logger, cause, Path);
            return;
        }
        var strategy = _parent?._childStrategy ?? SupervisorStrategy.StoppingStrategy;
        Directive directive;
        try
        {
            directive = strategy.Decide(cause);
        }
        catch (Exception deciderFailure)
        {
            KernelLog.DeciderFailed(_system.Logger, deciderFailure, Path);
            directive = Directive.Stop;
        }
        if (directive == Directive.Escalate && (_parent is null || _parent._parent is null))
        {
            // A top-level actor has no supervisor able to take the failure on; stopping it is the safe choice.
            directive = Directive.Stop;
        }
        KernelLog.ActorFailed(_system.Logger, cause, Path, message?.GetType().Name ?? "none", directive);
        switch (directive)
        {
            case Directive.Resume:
                escalatedFrom?.SendSystem(ResumeMessage.Instance);
                break;
            case Directive.Restart:
                if (RestartAllowed(strategy))
                {
                    Restart(cause, message);
                }
                else
                {
                    KernelLog.RestartLimitReached(_system.Logger, Path, strategy.MaxNrOfRetries, strategy.WithinTimeRange);
                    BeginStop();
                }
                break;
            case Directive.Stop:
                BeginStop();
                break;
            case Directive.Escalate:
                _suspended = true;
                _parent!.SendSystem(new FailedMessage(this, cause));
                break;
        }
    }

    private bool RestartAllowed(SupervisorStrategy strategy)
    {
        if (strategy.MaxNrOfRetries < 0)
        {
            return true;
        }
        if (strategy.WithinTimeRange == Timeout.InfiniteTimeSpan)
        {
            return ++_restartCount <= strategy.MaxNrOfRetries;
        }
        var now = Time.GetTimestamp();
        if (_restartCount == 0 || Time.GetElapsedTime(_restartWindowStart, now) > strategy.WithinTimeRange)
        {
            _restartCount = 1;
            _restartWindowStart = now;
        }
        else
        {
            _restartCount++;
        }
        return _restartCount <= strategy.MaxNrOfRetries;
    }

    private void Restart(Exception cause, object? message)
    {
        var old = _actor!;
        Timers.CancelAll();
        try
        {
            old.InvokePreRestart(cause, message);
        }
        catch (Exception ex)
        {
            KernelLog.HookFailed(_system.Logger, ex, Path, "PreRestart");
        }
        _actor = null;
        // Stashed messages survive a restart: they go back in front of the mailbox for the fresh instance.
        UnstashAll();
        if (!TryCreateInstance())
        {
            return;
        }
        try
        {
            _actor!.InvokePostRestart(cause);
        }
        catch (Exception ex)
        {
            FailInitialization(ex);
            return;
        }
        if (_escalatedChild is { } child)
        {
            _escalatedChild = null;
            child.SendSystem(new RecreateMessage(cause));
        }
    }

    private void OnChildFailed(ActorCell child, Exception cause)
    {
        if (!HasChild(child))
        {
            return;
        }
        // The child escalated: this actor fails with the child's exception and takes the child along.
        _escalatedChild = child;
        HandleFailure(cause, null, child);
    }

    private void OnResume()
    {
        _suspended = false;
        if (_escalatedChild is { } child)
        {
            _escalatedChild = null;
            child.SendSystem(ResumeMessage.Instance);
        }
    }

    private void OnRecreate(Exception cause)
    {
        _suspended = false;
        if (_actor is not null && !_stopping)
        {
            Restart(cause, null);
        }
    }

    private void BeginStop()
    {
        if (_stopping)
        {
            return;
        }
        _stopping = true;
        Timers.CancelAll();
        var children = ChildrenSnapshot();
        if (children.Count == 0)
        {
            FinishStop();
            return;
        }
        foreach (var child in children)
        {
            child.Cell.SendSystem(TerminateMessage.Instance);
        }
    }

    private void OnChildTerminated(ActorCell child)
    {
        RemoveChild(child);
        if (_escalatedChild == child)
        {
            _escalatedChild = null;
        }
        if (_stopping && ChildCount == 0)
        {
            FinishStop();
        }
    }

    private void FinishStop()
    {
        if (_actor is { } actor)
        {
            try
            {
                actor.InvokePostStop();
            }
            catch (Exception ex)
            {
                KernelLog.HookFailed(_system.Logger, ex, Path, "PostStop");
            }
        }
        _actor = null;
        StashToDeadLetters();
        _terminated = true;
        DrainToDeadLetters();
        // The parent hears first: system messages overtake user ones, so a parent that also watches this child
        // has freed the child's name before its Terminated handler runs and may reuse the name at once.
        _parent?.SendSystem(new ChildTerminatedMessage(this));
        NotifyWatchers();
        UnwatchAll();
        if (_parent is null)
        {
            _system.OnGuardianStopped();
        }
    }
}
