using Google.Protobuf;

namespace Coordinators.Actors.Grpc;

/// <summary>A running server-streaming call. Dispose it to cancel (the stream is reset).</summary>
public sealed class AsyncServerStreamingCall<TResponse> : IDisposable
    where TResponse : IMessage<TResponse>
{
    private readonly IDisposable _call;
    private readonly Func<Status> _status;
    private readonly Func<Metadata> _trailers;
    private readonly Func<Task<Metadata>> _headers;

    internal AsyncServerStreamingCall(ClientResponseStream<TResponse> responseStream, IDisposable call, Func<Task<Metadata>> headers, Func<Status> status, Func<Metadata> trailers)
    {
        ResponseStream = responseStream;
        _call = call;
        _headers = headers;
        _status = status;
        _trailers = trailers;
    }

    /// <summary>The responses, read with MoveNext/Current or with await foreach.</summary>
    public ClientResponseStream<TResponse> ResponseStream { get; }

    /// <summary>Completes with the response headers.</summary>
    public Task<Metadata> ResponseHeadersAsync => _headers();

    /// <summary>The final status; valid once the response stream has ended.</summary>
    public Status GetStatus() => _status();

    /// <summary>The trailers; valid once the response stream has ended.</summary>
    public Metadata GetTrailers() => _trailers();

    /// <inheritdoc />
    public void Dispose() => _call.Dispose();
}
