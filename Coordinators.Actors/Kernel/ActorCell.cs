using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Kernel;

/// <summary>
/// The runtime side of one actor: its mailbox, the current instance, children, watchers and timers.
/// A mailbox run is a thread-pool work item that handles a batch of messages and then returns the thread,
/// so an idle actor costs no thread. The run is guarded by <see cref="_status"/>: at most one run per cell
/// is queued or executing, which is what makes handlers single-threaded.
/// </summary>
internal sealed partial class ActorCell : IThreadPoolWorkItem
{
    private const int Idle = 0;
    private const int Scheduled = 1;

    // Set only while the kernel calls a Props factory on this thread, so the Actor constructor can bind to its cell.
    [ThreadStatic]
    private static ActorCell? t_constructing;

    private readonly ActorSystem _system;
    private readonly Props _props;

    // Null only for the user guardian.
    private readonly ActorCell? _parent;

    // User messages from any thread; drained only by the mailbox run.
    private readonly ConcurrentQueue<Envelope> _mailbox = new();

    // Kernel messages from any thread; always drained before the next user message.
    private readonly ConcurrentQueue<SystemMessage> _systemMailbox = new();

    // The fields every Tell reads, on cache lines of their own: the mailbox run writes the per-message state
    // below (_current) on every message, and sharing a line with it would make each sender's read miss.
    private SenderFacing _shared;

    // Maximum user messages handled per run before yielding the thread to other actors.
    private readonly int _throughput;

    // --- state below is touched only by the mailbox run (one thread at a time) ---

    // The current instance; null before creation, during a restart, and after stop.
    private Actor? _actor;

    // The message being handled (its sender is Context.Sender); kept while an async handler is pending.
    private Envelope _current;

    // The task of an async handler being awaited; user messages wait until it completes.
    private Task? _pending;

    // Cached continuation for async handlers, so awaiting does not allocate a delegate each time.
    private Action? _resumeAfterPending;

    // A stop was requested: no more user messages; finishing waits for the children to stop.
    private bool _stopping;

    // Waiting for the parent's decision on an escalated failure: no user messages until Resume or Recreate.
    private bool _suspended;

    // The child whose escalated failure this actor took on; it is resumed or restarted with this actor.
    private ActorCell? _escalatedChild;

    // Restarts counted inside the current window, and the window's start (TimeProvider timestamp).
    private int _restartCount;
    private long _restartWindowStart;

    public ActorCell(ActorSystem system, Props props, ActorCell? parent, string name, string path)
    {
        _system = system;
        _props = props;
        _parent = parent;
        _throughput = system.Options.Throughput;
        Name = name;
        Path = path;
        SelfRef = new LocalActorRef(this);
        Timers = new TimerScheduler(this);
        Log = new ActorLogger(system.LoggerFactory.CreateLogger("Coordinators.Actors.Kernel.Actor"), path);
    }

    internal static ActorCell? Constructing => t_constructing;

    // Idle or Scheduled; the thread that flips Idle->Scheduled queues the run, the run flips it back.
    private ref int _status => ref _shared.Status;

    // Set once the actor has fully stopped; afterwards every posted message goes to dead letters.
    private bool _terminated
    {
        get => Volatile.Read(ref _shared.Terminated);
        set => Volatile.Write(ref _shared.Terminated, value);
    }

    public string Name { get; }

    public string Path { get; }

    public LocalActorRef SelfRef { get; }

    public TimerScheduler Timers { get; }

    public ILogger Log { get; }

    public bool IsTerminated => _terminated;

    internal ActorSystem SystemInternal => _system;

    internal TimeProvider Time => _system.TimeProvider;

    /// <summary>Queues a user message; from any thread.</summary>
    public void Post(Envelope envelope)
    {
        if (_terminated)
        {
            _system.PublishDeadLetter(envelope.Message, envelope.Sender, SelfRef);
            return;
        }
        _mailbox.Enqueue(envelope);
        if (_terminated)
        {
            // The final drain may have missed this message; draining again is safe because each item dequeues once.
            DrainToDeadLetters();
            return;
        }
        Schedule();
    }

    /// <summary>Queues a kernel message; from any thread.</summary>
    public void SendSystem(SystemMessage message)
    {
        if (_terminated)
        {
            return;
        }
        _systemMailbox.Enqueue(message);
        Interlocked.Increment(ref _shared.SystemPending);
        Schedule();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Schedule()
    {
        if (Volatile.Read(ref _status) == Idle && Interlocked.CompareExchange(ref _status, Scheduled, Idle) == Idle)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>One mailbox run.</summary>
    public void Execute()
    {
        try
        {
            if (_pending is not null)
            {
                CompletePending();
            }
            Run();
        }
        catch (Exception ex)
        {
            // Handler exceptions are caught closer to the handler; this guards the kernel's own bookkeeping.
            KernelLog.MailboxRunFailed(_system.Logger, ex, Path);
        }
        if (_terminated)
        {
            return;
        }
        if (_pending is { } pending)
        {
            // An async handler is in flight: the status stays Scheduled so no other run starts, and its continuation
            // queues the next run. Registered only now, after this run is over, so the two can never overlap.
            pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_resumeAfterPending ??= ResumeAfterPending);
            return;
        }
        // A full fence, not a release write: the emptiness check below must not be reordered before it, or a
        // concurrent Post that still saw Scheduled and this run that saw an empty queue would both walk away.
        Interlocked.Exchange(ref _status, Idle);
        if (HasWork())
        {
            Schedule();
        }
    }

    private bool HasWork() => !_systemMailbox.IsEmpty || (CanProcessUser() && (!_mailbox.IsEmpty || _unstashed is { Count: > 0 }));

    private bool CanProcessUser() => !_stopping && !_suspended && _actor is not null;

    private void Run()
    {
        for (var handled = 0; handled < _throughput;)
        {
            ProcessSystemMessages();
            if (_terminated || _pending is not null || !CanProcessUser())
            {
                return;
            }
            if (!TryDequeue(out var envelope))
            {
                return;
            }
            Invoke(envelope);
            handled++;
        }
        ProcessSystemMessages();
    }

    private bool TryDequeue(out Envelope envelope)
    {
        if (_unstashed is { Count: > 0 })
        {
            envelope = _unstashed.First!.Value;
            _unstashed.RemoveFirst();
            return true;
        }
        return _mailbox.TryDequeue(out envelope);
    }

    private void ProcessSystemMessages()
    {
        // One read of a counter instead of a queue probe per user message: system messages are rare.
        if (Volatile.Read(ref _shared.SystemPending) == 0)
        {
            return;
        }
        while (!_terminated && _systemMailbox.TryDequeue(out var message))
        {
            Interlocked.Decrement(ref _shared.SystemPending);
            switch (message)
            {
                case CreateMessage:
                    Create();
                    break;
                case TerminateMessage:
                    BeginStop();
                    break;
                case ChildTerminatedMessage childTerminated:
                    OnChildTerminated(childTerminated.Child);
                    break;
                case FailedMessage failed:
                    OnChildFailed(failed.Child, failed.Cause);
                    break;
                case ResumeMessage:
                    OnResume();
                    break;
                case RecreateMessage recreate:
                    OnRecreate(recreate.Cause);
                    break;
            }
        }
    }

    private void Invoke(Envelope envelope)
    {
        var message = envelope.Message;
        switch (message)
        {
            case PoisonPill:
                BeginStop();
                return;
            case TimerFired fired:
                if (!Timers.Accept(fired))
                {
                    return;
                }
                message = fired.Message;
                envelope = new Envelope(message, null);
                break;
            case DeathWatchNotification notification:
                if (!_watching.Remove(notification.ActorRef))
                {
                    return;
                }
                message = new Terminated(notification.ActorRef);
                envelope = new Envelope(message, notification.ActorRef);
                break;
        }
        _current = envelope;
        var actor = _actor!;
        try
        {
            if (!actor.CurrentBehavior.TryInvoke(message, out var pending))
            {
                actor.InvokeUnhandled(message);
            }
            else if (pending is not null)
            {
                if (!pending.IsCompleted)
                {
                    _pending = pending;
                    return;
                }
                if (!pending.IsCompletedSuccessfully)
                {
                    HandleFailure(Unwrap(pending), message, null);
                }
            }
        }
        catch (Exception ex)
        {
            HandleFailure(ex, message, null);
        }
    }

    private void ResumeAfterPending() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);

    private void CompletePending()
    {
        var pending = _pending!;
        _pending = null;
        if (!pending.IsCompletedSuccessfully)
        {
            HandleFailure(Unwrap(pending), _current.Message, null);
        }
    }

    private static Exception Unwrap(Task task) =>
        task.IsCanceled
            ? new TaskCanceledException(task)
            : task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerExceptions[0] : task.Exception;

    private void DrainToDeadLetters()
    {
        while (_mailbox.TryDequeue(out var envelope))
        {
            _system.PublishDeadLetter(envelope.Message, envelope.Sender, SelfRef);
        }
    }

    // 64 bytes of padding on each side of the two fields senders touch (a cache line is 64 bytes on x64 and arm64).
    [StructLayout(LayoutKind.Explicit, Size = 136)]
    private struct SenderFacing
    {
        [FieldOffset(64)] public int Status;
        [FieldOffset(68)] public bool Terminated;
        [FieldOffset(72)] public int SystemPending;
    }
}
