namespace Coordinators.Actors.Kernel;

/// <summary>Request/response with an actor from outside (or from an async handler).</summary>
public static class AskExtensions
{
    /// <summary>
    /// Sends <paramref name="message"/> to <paramref name="target"/> with a temporary sender and returns the first reply.
    /// A <see cref="Failure"/> reply makes the task fail with its cause. The timeout runs on the system's
    /// <see cref="TimeProvider"/>.
    /// </summary>
    /// <exception cref="AskTimeoutException">No reply within <paramref name="timeout"/>; the message names the target and the message type.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="InvalidCastException">The reply was not a <typeparamref name="T"/>.</exception>
    public static async Task<T> Ask<T>(this IActorRef target, object message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(message);
        var system = SystemOf(target);
        var promise = new PromiseActorRef<T>(system);
        using var timer = system.TimeProvider.CreateTimer(
            static state =>
            {
                var (p, t, m, d) = ((PromiseActorRef<T>, IActorRef, object, TimeSpan))state!;
                p.TrySetException(new AskTimeoutException(
                    $"Ask timed out on {t.Path} after {d.TotalMilliseconds:0} ms waiting for a reply to {m.GetType().Name}"));
            },
            (promise, target, message, timeout),
            timeout,
            Timeout.InfiniteTimeSpan);
        await using var registration = cancellationToken.Register(
            static state =>
            {
                var (p, token) = ((PromiseActorRef<T>, CancellationToken))state!;
                p.TrySetCanceled(token);
            },
            (promise, cancellationToken)).ConfigureAwait(false);
        target.Tell(message, promise);
        return await promise.Task.ConfigureAwait(false);
    }

    /// <summary>Ask without a type: returns the reply as an object.</summary>
    public static Task<object> Ask(this IActorRef target, object message, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        target.Ask<object>(message, timeout, cancellationToken);

    private static ActorSystem SystemOf(IActorRef target) => target switch
    {
        LocalActorRef local => local.Cell.SystemInternal,
        IHasSystem owned => owned.System,
        _ => throw new NotSupportedException($"cannot Ask {target}: it belongs to no actor system"),
    };
}

/// <summary>References that are not actor cells but know their system (test probes).</summary>
internal interface IHasSystem
{
    ActorSystem System { get; }
}
