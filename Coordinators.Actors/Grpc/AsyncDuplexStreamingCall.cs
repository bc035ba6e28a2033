using Google.Protobuf;
using Coordinators.Actors.Grpc.Internal;

namespace Coordinators.Actors.Grpc;

/// <summary>
/// A running duplex call: write with <see cref="RequestStream"/>, read with <see cref="ResponseStream"/>.
/// Dispose it to cancel (the stream is reset); some servers (etcd's Watch) end a stream only that way.
/// </summary>
public sealed class AsyncDuplexStreamingCall<TRequest, TResponse> : IDisposable
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private readonly StreamingCall<TRequest, TResponse> _call;

    internal AsyncDuplexStreamingCall(StreamingCall<TRequest, TResponse> call)
    {
        _call = call;
        RequestStream = new ClientRequestStream<TRequest>(call.WriteAsync, call.CompleteAsync);
        ResponseStream = new ClientResponseStream<TResponse>(call.MoveNextAsync, () => call.Current);
    }

    /// <summary>Where requests are written; complete it to half-close.</summary>
    public ClientRequestStream<TRequest> RequestStream { get; }

    /// <summary>The responses, read with MoveNext/Current or with await foreach.</summary>
    public ClientResponseStream<TResponse> ResponseStream { get; }

    /// <summary>Completes with the response headers (for grpc-go, when the first response arrives).</summary>
    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersAsync();

    /// <summary>The final status; valid once the response stream has ended.</summary>
    public Status GetStatus() => _call.GetStatus();

    /// <summary>The trailers; valid once the response stream has ended.</summary>
    public Metadata GetTrailers() => _call.GetTrailers();

    /// <inheritdoc />
    public void Dispose() => _call.Dispose();
}
