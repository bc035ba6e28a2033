using System.Collections.Concurrent;
using System.Net;
using Coordinators.Actors.Grpc.Internal;
using Google.Protobuf;

namespace Coordinators.Actors.Grpc;

/// <summary>
/// A gRPC client channel to one target (http:// with HTTP/2 prior knowledge, or https:// with ALPN) over a
/// <see cref="SocketsHttpHandler"/> that several channels may share. Calls are made with
/// <see cref="UnaryAsync"/>, <see cref="ServerStreaming"/> and <see cref="Duplex"/>.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    // Request URIs per method path, so the hot unary path builds no Uri.
    private readonly ConcurrentDictionary<string, Uri> _uris = new(StringComparer.Ordinal);
    private readonly bool _ownsHandler;
    private readonly string _authority;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"gRPC address must be http:// or https://, not '{address}'", nameof(address));
        }
        Address = address;
        Options = options;
        MaxReceiveMessageSize = options.MaxReceiveMessageSize;
        TimeProvider = options.TimeProvider;
        _ownsHandler = options.HttpHandler is null;
        Invoker = new HttpMessageInvoker(options.HttpHandler ?? options.CreateHandler(), disposeHandler: _ownsHandler);
        _authority = address.Authority;
    }

    /// <summary>The target, e.g. http://127.0.0.1:2379.</summary>
    public Uri Address { get; }

    /// <summary>The options the channel was made with.</summary>
    public GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker { get; }

    internal int MaxReceiveMessageSize { get; }

    internal TimeProvider TimeProvider { get; }

    /// <summary>Creates a channel to <paramref name="address"/>.</summary>
    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) =>
        new(new Uri(address, UriKind.Absolute), options ?? new GrpcChannelOptions());

    /// <summary>Creates a channel to <paramref name="address"/>.</summary>
    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null) =>
        new(address, options ?? new GrpcChannelOptions());

    /// <summary>Makes a unary call.</summary>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        using var httpRequest = CreateRequest(method.FullName, options, new FrameContent(Frame(request)), out var timeout);
        var token = options.CancellationToken;
        CancellationTokenSource? deadline = null;
        if (timeout is { } t)
        {
            if (t <= TimeSpan.Zero)
            {
                throw new RpcException(StatusCode.DeadlineExceeded, "Deadline Exceeded");
            }
            deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
            deadline.CancelAfter(t);
            token = deadline.Token;
        }
        try
        {
            using var response = await Invoker.SendAsync(httpRequest, token).ConfigureAwait(false);
            if (GrpcErrors.CheckResponse(response) is { } headerStatus)
            {
                throw headerStatus.StatusCode == StatusCode.OK
                    ? new RpcException(StatusCode.Internal, "the server sent no response message")
                    : new RpcException(AfterDeadline(headerStatus, options.Deadline), GrpcErrors.ToMetadata(response.Headers));
            }
            var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            var message = await GrpcProtocol.ReadMessageAsync(body, MaxReceiveMessageSize, token).ConfigureAwait(false);
            if (message is not null && await GrpcProtocol.ReadMessageAsync(body, MaxReceiveMessageSize, token).ConfigureAwait(false) is not null)
            {
                throw new RpcException(StatusCode.Internal, "the server sent more than one message for a unary call");
            }
            var status = GrpcErrors.TrailerStatus(response);
            if (status.StatusCode != StatusCode.OK)
            {
                throw new RpcException(AfterDeadline(status, options.Deadline), GrpcErrors.ToMetadata(response.TrailingHeaders));
            }
            return message is null
                ? throw new RpcException(StatusCode.Internal, "the server sent no response message")
                : method.ResponseParser.ParseFrom(message);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw GrpcErrors.Map(e, options.CancellationToken.IsCancellationRequested, deadline?.IsCancellationRequested == true && !options.CancellationToken.IsCancellationRequested);
        }
        finally
        {
            deadline?.Dispose();
        }
    }

    /// <summary>Starts a server-streaming call.</summary>
    public AsyncServerStreamingCall<TResponse> ServerStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        var call = new StreamingCall<TRequest, TResponse>(this, method, options, Frame(request));
        return new AsyncServerStreamingCall<TResponse>(
            new ClientResponseStream<TResponse>(call.MoveNextAsync, () => call.Current), call, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers);
    }

    /// <summary>Starts a duplex call. The request headers leave at once; the first message as soon as it is written.</summary>
    public AsyncDuplexStreamingCall<TRequest, TResponse> Duplex<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
        => new(new StreamingCall<TRequest, TResponse>(this, method, options, singleRequestFrame: null));

    /// <summary>A failure status that arrives once the deadline has passed is reported as DeadlineExceeded.</summary>
    private Status AfterDeadline(Status status, DateTime? deadline) =>
        status.StatusCode != StatusCode.DeadlineExceeded && deadline is { } d && TimeProvider.GetUtcNow().UtcDateTime >= d.ToUniversalTime()
            ? new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded (server: " + status.Detail + ")")
            : status;

    internal byte[] Frame<T>(T message) where T : IMessage<T>
    {
        var size = message.CalculateSize();
        if (size > Options.MaxSendMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"trying to send message larger than max ({size} vs. {Options.MaxSendMessageSize})");
        }
        var frame = new byte[GrpcProtocol.HeaderSize + size];
        GrpcProtocol.WriteHeader(frame, size);
        message.WriteTo(frame.AsSpan(GrpcProtocol.HeaderSize));
        return frame;
    }

    internal HttpRequestMessage CreateRequest(string path, CallOptions options, HttpContent content, out TimeSpan? timeout)
    {
        var uri = _uris.GetOrAdd(path, static (p, a) => new Uri(a, p), Address);
        var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Version = HttpVersion.Version20,
            // Without Exact, HttpClient silently speaks HTTP/1.1 to a cleartext endpoint.
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        headers.TryAddWithoutValidation("te", "trailers");
        timeout = null;
        if (options.Deadline is { } deadline)
        {
            var remaining = deadline.ToUniversalTime() - TimeProvider.GetUtcNow().UtcDateTime;
            timeout = remaining;
            if (remaining > TimeSpan.Zero)
            {
                headers.TryAddWithoutValidation("grpc-timeout", GrpcProtocol.EncodeTimeout(remaining));
            }
        }
        if (options.Headers is { Count: > 0 } md)
        {
            foreach (var e in md)
            {
                headers.TryAddWithoutValidation(e.Key, e.IsBinary ? Convert.ToBase64String(e.ValueBytes!) : e.Value);
            }
        }
        return request;
    }

    /// <inheritdoc />
    public void Dispose() => Invoker.Dispose();

    /// <inheritdoc />
    public override string ToString() => "GrpcChannel(" + _authority + ")";
}
