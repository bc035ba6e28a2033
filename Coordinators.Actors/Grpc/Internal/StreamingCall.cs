using Google.Protobuf;

namespace Coordinators.Actors.Grpc.Internal;

/// <summary>
/// One server-streaming or duplex call over an HTTP/2 stream. Reading and writing may run on different tasks;
/// reads are sequential, as are writes. Disposal cancels the call, which resets the stream (RST_STREAM).
/// </summary>
internal sealed class StreamingCall<TRequest, TResponse> : IDisposable
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    // Cancels the HTTP request: the user's token, the deadline and Dispose all end up here.
    private readonly CancellationTokenSource _cts;
    private readonly CancellationToken _userToken;
    private readonly StreamingContent? _requestBody;
    private readonly Task<HttpResponseMessage> _sendTask;
    // Set once response headers arrived; _body is null for a trailers-only response.
    private HttpResponseMessage? _response;
    private Stream? _body;
    // The final status once known (trailers read, trailers-only headers, or a failure).
    private Status? _status;
    private Metadata? _trailers;
    // Fires the deadline: cancels the request and marks why, so the failure maps to DeadlineExceeded.
    private readonly ITimer? _deadlineTimer;
    private volatile bool _deadlineFired;
    // The call's absolute deadline (UTC), if any: a server status that arrives after it maps to DeadlineExceeded.
    private readonly DateTime? _deadline;
    private int _disposed;

    public StreamingCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options, byte[]? singleRequestFrame)
    {
        _channel = channel;
        _method = method;
        _userToken = options.CancellationToken;
        _deadline = options.Deadline?.ToUniversalTime();
        _cts = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken);
        HttpContent content;
        if (singleRequestFrame is not null)
        {
            content = new FrameContent(singleRequestFrame);
        }
        else
        {
            _requestBody = new StreamingContent();
            content = _requestBody;
        }
        var request = channel.CreateRequest(method.FullName, options, content, out var timeout);
        if (timeout is { } t)
        {
            if (t <= TimeSpan.Zero)
            {
                _deadlineFired = true;
                _cts.Cancel();
            }
            else
            {
                _deadlineTimer = channel.TimeProvider.CreateTimer(static s => ((StreamingCall<TRequest, TResponse>)s!).OnDeadline(), this, t, Timeout.InfiniteTimeSpan);
            }
        }
        _sendTask = channel.Invoker.SendAsync(request, _cts.Token);
    }

    public TResponse Current { get; private set; } = default!;

    /// <summary>The final status; throws while the call is still running.</summary>
    public Status GetStatus() => _status ?? throw new InvalidOperationException("the call has not finished");

    /// <summary>The trailers; throws while the call is still running.</summary>
    public Metadata GetTrailers() => _trailers ?? throw new InvalidOperationException("the call has not finished");

    public async Task<Metadata> ResponseHeadersAsync()
    {
        var response = await EnsureResponseAsync().ConfigureAwait(false);
        return GrpcErrors.ToMetadata(response.Headers);
    }

    public ValueTask WriteAsync(TRequest message)
    {
        if (_requestBody is null)
        {
            throw new InvalidOperationException("this call has no request stream");
        }
        if (_status is { } s)
        {
            // The server has finished: a write would vanish silently.
            throw new RpcException(s.StatusCode == StatusCode.OK ? new Status(StatusCode.Cancelled, "the call has already finished") : s);
        }
        var frame = _channel.Frame(message);
        if (!_requestBody.TryWrite(frame))
        {
            throw new InvalidOperationException("the request stream was already completed");
        }
        return ValueTask.CompletedTask;
    }

    public Task CompleteAsync()
    {
        _requestBody?.Complete();
        return Task.CompletedTask;
    }

    public async Task<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        if (_status is { } done)
        {
            return done.StatusCode == StatusCode.OK ? false : throw new RpcException(done, _trailers);
        }
        using var reg = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static s => TryCancel((CancellationTokenSource)s!), _cts)
            : default;
        try
        {
            await EnsureResponseAsync().ConfigureAwait(false);
            if (_body is null)
            {
                return Finish(_status!.Value);
            }
            var bytes = await GrpcProtocol.ReadMessageAsync(_body, _channel.MaxReceiveMessageSize, _cts.Token).ConfigureAwait(false);
            if (bytes is not null)
            {
                Current = _method.ResponseParser.ParseFrom(bytes);
                return true;
            }
            _trailers = GrpcErrors.ToMetadata(_response!.TrailingHeaders);
            return Finish(GrpcErrors.TrailerStatus(_response));
        }
        catch (Exception e) when (e is not RpcException || _status is null)
        {
            var error = GrpcErrors.Map(e, _userToken.IsCancellationRequested || cancellationToken.IsCancellationRequested || _disposed != 0, _deadlineFired);
            _status ??= error.Status;
            _trailers ??= error.Trailers;
            Abort();
            throw error;
        }
    }

    private bool Finish(Status status)
    {
        if (status.StatusCode is not (StatusCode.OK or StatusCode.DeadlineExceeded) &&
            (_deadlineFired || (_deadline is { } d && _channel.TimeProvider.GetUtcNow().UtcDateTime >= d)))
        {
            // The server noticed the grpc-timeout first and reported it its own way (grpc-go: Unknown "context deadline exceeded").
            status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded (server: " + status.Detail + ")");
        }
        _status = status;
        _trailers ??= Metadata.Empty;
        _requestBody?.Complete();
        if (status.StatusCode != StatusCode.OK)
        {
            throw new RpcException(status, _trailers);
        }
        return false;
    }

    private async ValueTask<HttpResponseMessage> EnsureResponseAsync()
    {
        if (_response is not null)
        {
            return _response;
        }
        HttpResponseMessage response;
        try
        {
            response = await _sendTask.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw GrpcErrors.Map(e, _userToken.IsCancellationRequested || _disposed != 0, _deadlineFired);
        }
        _response = response;
        var headerStatus = GrpcErrors.CheckResponse(response);
        if (headerStatus is { } s)
        {
            _status = s;
            _trailers = GrpcErrors.ToMetadata(response.Headers);
        }
        else
        {
            _body = await response.Content.ReadAsStreamAsync(_cts.Token).ConfigureAwait(false);
        }
        return response;
    }

    private void OnDeadline()
    {
        _deadlineFired = true;
        TryCancel(_cts);
    }

    private static void TryCancel(CancellationTokenSource cts)
    {
        try
        {
            cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call was disposed meanwhile; nothing is left to cancel.
        }
    }

    private void Abort()
    {
        _requestBody?.Complete();
        TryCancel(_cts);
        _response?.Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _status ??= new Status(StatusCode.Cancelled, "the call was disposed");
        _trailers ??= Metadata.Empty;
        _deadlineTimer?.Dispose();
        Abort();
        if (!_sendTask.IsCompleted)
        {
            // Observe the send's cancellation so it never surfaces as an unobserved task exception.
            _sendTask.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        else if (_sendTask.IsCompletedSuccessfully)
        {
            _sendTask.Result.Dispose();
        }
        _cts.Dispose();
    }
}
