namespace Coordinators.Actors.Kernel;

/// <summary>A one-shot reference standing for the asker in <see cref="AskExtensions.Ask{T}"/>: the first reply completes the task.</summary>
internal sealed class PromiseActorRef<T> : IActorRef
{
    private readonly ActorSystem _system;
    private readonly TaskCompletionSource<T> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PromiseActorRef(ActorSystem system)
    {
        _system = system;
        Path = system.NextTempPath();
    }

    public string Path { get; }

    public string Name => Path[(Path.LastIndexOf('/') + 1)..];

    public Task<T> Task => _promise.Task;

    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        var completed = message switch
        {
            T reply => _promise.TrySetResult(reply),
            Failure failure => _promise.TrySetException(failure.Cause),
            _ => _promise.TrySetException(new InvalidCastException(
                $"Ask expected a reply of type {typeof(T).Name} but {sender?.Path ?? "nobody"} replied with {message.GetType().Name}")),
        };
        if (!completed)
        {
            // A reply after the timeout or a second reply: nobody waits for it any more.
            _system.PublishDeadLetter(message, sender, this);
        }
    }

    public bool TrySetException(Exception exception) => _promise.TrySetException(exception);

    public bool TrySetCanceled(CancellationToken cancellationToken) => _promise.TrySetCanceled(cancellationToken);

    public override string ToString() => $"Promise[{Path}]";
}
