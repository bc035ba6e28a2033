namespace Coordinators.Actors.Kernel.Testing;

/// <summary>
/// A stand-in actor for tests: hand <see cref="Ref"/> to the actors under test, then assert on what arrives with
/// the <c>Expect*Async</c> methods, in arrival order. Waits use real time; a timeout is only a backstop, so the
/// defaults are generous. Expectations should be awaited from one test thread at a time.
/// </summary>
public sealed class TestProbe
{
    private readonly ProbeRef _ref;

    internal TestProbe(ActorSystem system, string name, TimeSpan defaultTimeout)
    {
        _ref = new ProbeRef(system, "/probe/" + name);
        DefaultTimeout = defaultTimeout;
    }

    /// <summary>The probe's reference, to pass to actors or use as a sender.</summary>
    public IActorRef Ref => _ref;

    /// <summary>How long an expectation waits when no timeout is given.</summary>
    public TimeSpan DefaultTimeout { get; }

    /// <summary>The sender of the last received message (dead letters when it had none).</summary>
    public IActorRef LastSender { get; private set; } = null!;

    /// <summary>The last received message, or null before the first.</summary>
    public object? LastMessage { get; private set; }

    /// <summary>Tells <paramref name="message"/> to <paramref name="target"/> with this probe as the sender.</summary>
    public void Send(IActorRef target, object message) => target.Tell(message, _ref);

    /// <summary>Replies to the sender of the last received message, with this probe as the sender.</summary>
    public void Reply(object message) => (LastSender ?? throw new InvalidOperationException("no message received yet")).Tell(message, _ref);

    /// <summary>Sends the last received message to <paramref name="target"/>, keeping its original sender.</summary>
    public void Forward(IActorRef target) =>
        target.Tell(LastMessage ?? throw new InvalidOperationException("no message received yet"), LastSender);

    /// <summary>Watches <paramref name="target"/>: a <see cref="Terminated"/> arrives when it stops, at once if it is already dead.</summary>
    public IActorRef Watch(IActorRef target)
    {
        if (target is not IWatchable watchable)
        {
            throw new NotSupportedException($"{target} cannot be watched");
        }
        if (_ref.Watching.TryAdd(target, true))
        {
            watchable.AddWatcher(_ref);
        }
        return target;
    }

    /// <summary>Stops watching <paramref name="target"/>.</summary>
    public IActorRef Unwatch(IActorRef target)
    {
        if (_ref.Watching.TryRemove(target, out _) && target is IWatchable watchable)
        {
            watchable.RemoveWatcher(_ref);
        }
        return target;
    }

    /// <summary>Stops the probe as if it were an actor: watchers get <see cref="Terminated"/>, later messages become dead letters.</summary>
    public void Stop() => _ref.Stop();

    /// <summary>Receives the next message, whatever it is.</summary>
    public async Task<object> ReceiveOneAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var envelope = await NextAsync(limit, "a message").ConfigureAwait(false);
        return envelope.Message;
    }

    /// <summary>Expects the next message to be a <typeparamref name="T"/> and returns it.</summary>
    public async Task<T> ExpectMsgAsync<T>(TimeSpan? timeout = null)
    {
        var message = await ReceiveOneAsync(timeout ?? DefaultTimeout).ConfigureAwait(false);
        return message is T typed
            ? typed
            : throw new TestKitAssertionException($"expected a {typeof(T).Name} but received {Describe(message)}");
    }

    /// <summary>Expects the next message to be a <typeparamref name="T"/> satisfying <paramref name="predicate"/>.</summary>
    public async Task<T> ExpectMsgAsync<T>(Func<T, bool> predicate, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var message = await ExpectMsgAsync<T>(timeout).ConfigureAwait(false);
        return predicate(message)
            ? message
            : throw new TestKitAssertionException($"received {Describe(message)}, which does not satisfy the predicate");
    }

    /// <summary>Expects the next message to equal <paramref name="expected"/>.</summary>
    public async Task<T> ExpectMsgAsync<T>(T expected, TimeSpan? timeout = null)
        where T : notnull
    {
        var message = await ReceiveOneAsync(timeout ?? DefaultTimeout).ConfigureAwait(false);
        return message is T typed && EqualityComparer<T>.Default.Equals(typed, expected)
            ? typed
            : throw new TestKitAssertionException($"expected {Describe(expected)} but received {Describe(message)}");
    }

    /// <summary>Expects that no message arrives within <paramref name="duration"/>.</summary>
    public async Task ExpectNoMsgAsync(TimeSpan duration)
    {
        using var cts = new CancellationTokenSource(duration);
        try
        {
            if (await _ref.Queue.Reader.WaitToReadAsync(cts.Token).ConfigureAwait(false) && _ref.Queue.Reader.TryRead(out var envelope))
            {
                Remember(envelope);
                throw new TestKitAssertionException($"expected no message within {duration.TotalMilliseconds:0} ms but received {Describe(envelope.Message)}");
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
        }
    }

    /// <summary>Receives exactly <paramref name="count"/> messages, all within <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<object>> ReceiveNAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        var messages = new List<object>(count);
        while (messages.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            var envelope = await NextAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, $"message {messages.Count + 1} of {count}").ConfigureAwait(false);
            messages.Add(envelope.Message);
        }
        return messages;
    }

    /// <summary>Receives messages, skipping those for which <paramref name="isTheOne"/> is false, and returns the first for which it is true.</summary>
    public async Task<object> FishForMessageAsync(Func<object, bool> isTheOne, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(isTheOne);
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var envelope = await NextAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, "the fished-for message").ConfigureAwait(false);
            if (isTheOne(envelope.Message))
            {
                return envelope.Message;
            }
        }
    }

    /// <summary>Skips messages until a <typeparamref name="T"/> satisfying <paramref name="isTheOne"/> (or any <typeparamref name="T"/>) arrives.</summary>
    public async Task<T> FishForMessageAsync<T>(Func<T, bool>? isTheOne = null, TimeSpan? timeout = null) =>
        (T)await FishForMessageAsync(m => m is T typed && (isTheOne is null || isTheOne(typed)), timeout).ConfigureAwait(false);

    /// <summary>Expects the next message to be <see cref="Terminated"/> for <paramref name="target"/> (watch it first).</summary>
    public Task<Terminated> ExpectTerminatedAsync(IActorRef target, TimeSpan? timeout = null) =>
        ExpectMsgAsync<Terminated>(t => t.ActorRef.Equals(target), timeout);

    private async Task<Envelope> NextAsync(TimeSpan timeout, string what)
    {
        if (_ref.Queue.Reader.TryRead(out var ready))
        {
            Remember(ready);
            return ready;
        }
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var envelope = await _ref.Queue.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
            Remember(envelope);
            return envelope;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TestKitAssertionException($"timeout ({timeout.TotalMilliseconds:0} ms) while waiting for {what} at {_ref.Path}");
        }
    }

    private void Remember(Envelope envelope)
    {
        LastMessage = envelope.Message;
        LastSender = envelope.Sender ?? _ref.System.DeadLetters;
    }

    private static string Describe(object? message) => message is null ? "null" : $"{message.GetType().Name} ({message})";
}
