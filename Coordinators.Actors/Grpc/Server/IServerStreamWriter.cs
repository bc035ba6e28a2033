namespace Coordinators.Actors.Grpc.Server;

/// <summary>Writes the responses of a streaming call. Writes must not overlap: await each before the next.</summary>
public interface IServerStreamWriter<in T>
{
    /// <summary>
    /// Frames, writes and flushes one message. Throws <see cref="RpcException"/> (ResourceExhausted) when it is
    /// larger than the send limit, and <see cref="OperationCanceledException"/> once the call is cancelled.
    /// </summary>
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}
