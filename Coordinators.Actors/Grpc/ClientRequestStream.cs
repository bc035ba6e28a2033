using Google.Protobuf;

namespace Coordinators.Actors.Grpc;

/// <summary>The request side of a duplex call. Writes are queued and sent in order, each flushed at once.</summary>
public sealed class ClientRequestStream<TRequest>
    where TRequest : IMessage<TRequest>
{
    private readonly Func<TRequest, ValueTask> _write;
    private readonly Func<Task> _complete;

    internal ClientRequestStream(Func<TRequest, ValueTask> write, Func<Task> complete)
    {
        _write = write;
        _complete = complete;
    }

    /// <summary>Queues one message; throws RpcException when the call has already ended.</summary>
    public Task WriteAsync(TRequest message) => _write(message).AsTask();

    /// <summary>Half-closes the request side (END_STREAM after the queued messages).</summary>
    public Task CompleteAsync() => _complete();
}
