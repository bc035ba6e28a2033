namespace Coordinators.Actors.Kernel;

/// <summary>
/// How actors consume async I/O without blocking their mailbox: start the operation in a handler, pipe its
/// outcome to <c>Self</c>, and handle the result as an ordinary message. The actor keeps processing other
/// messages meanwhile, and its state is only touched by handlers.
/// </summary>
public static class PipeToExtensions
{
    /// <summary>
    /// When <paramref name="task"/> completes, tells <paramref name="recipient"/> its result (mapped by
    /// <paramref name="success"/> when given), or a <see cref="Failure"/> (mapped by <paramref name="failure"/> when
    /// given) if it faulted or was cancelled. Exactly one message is sent, whatever happens: an exception thrown by a
    /// mapping function is itself sent as a <see cref="Failure"/>. A task that never completes sends nothing, so give
    /// I/O a timeout or a cancellation token.
    /// </summary>
    /// <remarks>Capture <c>Sender</c> into <paramref name="sender"/> inside the handler, not in the mapping functions, which run later on another thread.</remarks>
    public static void PipeTo<T>(this Task<T> task, IActorRef recipient, IActorRef? sender = null, Func<T, object>? success = null, Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(recipient);
        if (task.IsCompleted)
        {
            Deliver(task, recipient, sender, success, failure);
            return;
        }
        task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => Deliver(task, recipient, sender, success, failure));
    }

    /// <summary>
    /// Like <see cref="PipeTo{T}(Task{T}, IActorRef, IActorRef?, Func{T, object}?, Func{Exception, object}?)"/> for a task
    /// without a result: sends <paramref name="success"/>'s message, or <see cref="Done.Instance"/>, on completion.
    /// </summary>
    public static void PipeTo(this Task task, IActorRef recipient, IActorRef? sender = null, Func<object>? success = null, Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(recipient);
        if (task.IsCompleted)
        {
            Deliver(task, recipient, sender, success, failure);
            return;
        }
        task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => Deliver(task, recipient, sender, success, failure));
    }

    private static void Deliver<T>(Task<T> task, IActorRef recipient, IActorRef? sender, Func<T, object>? success, Func<Exception, object>? failure)
    {
        object message;
        try
        {
            message = task.IsCompletedSuccessfully
                ? (success is null ? task.Result! : success(task.Result))
                : MapFailure(task, failure);
        }
        catch (Exception ex)
        {
            message = new Failure(ex);
        }
        recipient.Tell(message ?? new Failure(new InvalidOperationException("PipeTo produced a null message")), sender);
    }

    private static void Deliver(Task task, IActorRef recipient, IActorRef? sender, Func<object>? success, Func<Exception, object>? failure)
    {
        object message;
        try
        {
            message = task.IsCompletedSuccessfully ? (success is null ? Done.Instance : success()) : MapFailure(task, failure);
        }
        catch (Exception ex)
        {
            message = new Failure(ex);
        }
        recipient.Tell(message ?? new Failure(new InvalidOperationException("PipeTo produced a null message")), sender);
    }

    private static object MapFailure(Task task, Func<Exception, object>? failure)
    {
        Exception cause = task.IsCanceled
            ? new TaskCanceledException(task)
            : task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerExceptions[0] : task.Exception;
        return failure is null ? new Failure(cause) : failure(cause);
    }
}
