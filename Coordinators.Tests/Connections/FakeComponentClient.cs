using System.Threading.Channels;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Connections;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Connections;

/// <summary>Hands out one <see cref="FakeComponentClient"/> and remembers the lifetime token it was created with.</summary>
internal sealed class FakeComponentClientFactory : IComponentClientFactory
{
    private int _created;

    public FakeComponentClient Client { get; } = new();

    /// <summary>The lifetime token the ClientActor passed to <see cref="Create"/>.</summary>
    public CancellationToken Lifetime { get; private set; }

    public int Created => Volatile.Read(ref _created);

    public IComponentClient Create(SessionInfo session, CancellationToken lifetime)
    {
        Lifetime = lifetime;
        Interlocked.Increment(ref _created);
        return Client;
    }
}

/// <summary>
/// A component client whose GetComponentStates calls stay pending until the test answers them: each call is queued
/// as a <see cref="PendingCall"/>, read in order with <see cref="NextCallAsync"/>. Other methods are not used by the
/// ClientActor and throw.
/// </summary>
internal sealed class FakeComponentClient : IComponentClient, IDisposable
{
    private readonly Channel<PendingCall> _calls = Channel.CreateUnbounded<PendingCall>();
    private int _count;
    private int _disposed;

    /// <summary>GetComponentStates calls made so far.</summary>
    public int CallCount => Volatile.Read(ref _count);

    public bool Disposed => Volatile.Read(ref _disposed) != 0;

    public Task<ComponentStates> GetComponentStatesAsync(GetComponentStatesRequest request, CallOptions options = default)
    {
        var call = new PendingCall(options);
        Interlocked.Increment(ref _count);
        _calls.Writer.TryWrite(call);
        return call.Task;
    }

    /// <summary>The next call not yet taken, waiting for it (in real time) up to <paramref name="timeout"/>.</summary>
    public async Task<PendingCall> NextCallAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _calls.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"no GetComponentStates call within {timeout} (calls so far: {CallCount})");
        }
    }

    /// <summary>A call made and not yet taken, if any (to assert that none was made).</summary>
    public bool TryTakeCall(out PendingCall? call) => _calls.Reader.TryRead(out call);

    public Task<PingResponse> PingAsync(PingRequest request, CallOptions options = default) => throw new NotSupportedException();

    public Task<WorkResponse> WorkAsync(WorkRequest request, CallOptions options = default) => throw new NotSupportedException();

    public Task<ProxyResponse> ProxyAsync(ProxyRequest request, CallOptions options = default) => throw new NotSupportedException();

    public void Dispose() => Interlocked.Exchange(ref _disposed, 1);
}

/// <summary>One GetComponentStates call the test answers.</summary>
internal sealed class PendingCall(CallOptions options)
{
    // Default options on purpose: the actor's PipeTo continuation may then run inside SetResult/SetException.
    private readonly TaskCompletionSource<ComponentStates> _tcs = new();

    public CallOptions Options { get; } = options;

    public Task<ComponentStates> Task => _tcs.Task;

    /// <summary>Answers as <paramref name="serverId"/>; the actor has the result in its mailbox when this completes.</summary>
    public Task Answer(long serverId, StateCode state = StateCode.Healthy) =>
        CompleteAsync(() => _tcs.SetResult(new ComponentStates { Role = "querynode", ServerId = serverId, State = state }));

    /// <summary>Fails with <paramref name="error"/>; the actor has the result in its mailbox when this completes.</summary>
    public Task Fail(RpcException error) => CompleteAsync(() => _tcs.SetException(error));

    // The continuation PipeTo registered (ConfigureAwait(true) from an actor thread, which has no context) is
    // inlined only where inlining is allowed: not on an xunit test thread (it has a SynchronizationContext), so the
    // result would reach the mailbox later, racing the test's next message. A thread-pool thread has no context and
    // the default scheduler, so there the Tell happens inside SetResult, before the returned task completes.
    private static Task CompleteAsync(Action complete) => System.Threading.Tasks.Task.Run(complete);
}
