using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Coordinators.Actors.Grpc.Server.Internal;

/// <summary>
/// Runs one mapped method for every call to it: validates the request, applies the deadline and interceptors,
/// reads the request(s), runs the handler and ends the call with the right status. One instance per endpoint.
/// </summary>
internal sealed class ServerCallHandler<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly Method<TRequest, TResponse> _method;
    private readonly GrpcServiceRegistry _registry;
    private readonly UnaryServerMethod<TRequest, TResponse>? _unary;
    private readonly ServerStreamingServerMethod<TRequest, TResponse>? _serverStreaming;
    private readonly DuplexStreamingServerMethod<TRequest, TResponse>? _duplex;

    public ServerCallHandler(Method<TRequest, TResponse> method, GrpcServiceRegistry registry, Delegate handler)
    {
        _method = method;
        _registry = registry;
        switch (method.Type)
        {
            case MethodType.Unary:
                _unary = (UnaryServerMethod<TRequest, TResponse>)handler;
                break;
            case MethodType.ServerStreaming:
                _serverStreaming = (ServerStreamingServerMethod<TRequest, TResponse>)handler;
                break;
            case MethodType.DuplexStreaming:
                _duplex = (DuplexStreamingServerMethod<TRequest, TResponse>)handler;
                break;
            default:
                throw new NotSupportedException($"{method.Type} methods are not supported by this server");
        }
    }

    public async Task HandleAsync(HttpContext http)
    {
        if (!ServerResponses.ValidateRequest(http, _registry))
        {
            return;
        }
        var response = http.Response;
        if (!string.Equals(http.Request.Path.Value, _method.FullName, StringComparison.Ordinal))
        {
            // Routing matches literals case-insensitively; gRPC paths are case-sensitive.
            UnimplementedEndpoint.WriteUnimplemented(http, _registry);
            return;
        }
        response.ContentType = GrpcProtocol.ContentType;
        var context = new ServerCallContext(http, _method.FullName, _registry, _method.Type != MethodType.Unary);
        ServerStreamWriter<TResponse>? writer = null;
        var messageWritten = false;
        try
        {
            if (context.IsDeadlineExceeded)
            {
                throw new OperationCanceledException(context.CancellationToken);
            }
            foreach (var interceptor in _registry.Interceptors)
            {
                await interceptor(context).ConfigureAwait(false);
            }
            var reader = http.Request.BodyReader;
            if (_duplex is not null)
            {
                writer = new ServerStreamWriter<TResponse>(response, context, _registry.MaxSendMessageSize);
                var requests = new ServerRequestStream<TRequest>(reader, _method.RequestParser, _registry.MaxReceiveMessageSize, context.CancellationToken);
                await _duplex(requests, writer, context).ConfigureAwait(false);
            }
            else
            {
                var request = await ReadSingleRequestAsync(reader, context.CancellationToken).ConfigureAwait(false);
                if (_unary is not null)
                {
                    var reply = await _unary(request, context).ConfigureAwait(false);
                    if (context.IsDeadlineExceeded)
                    {
                        throw new OperationCanceledException(context.CancellationToken);
                    }
                    if (context.Status.StatusCode == StatusCode.OK)
                    {
                        ArgumentNullException.ThrowIfNull(reply);
                        // Kestrel flushes the message with the trailers when the request delegate returns.
                        ServerFraming.WriteMessage(response.BodyWriter, reply, _registry.MaxSendMessageSize);
                        messageWritten = true;
                    }
                }
                else
                {
                    writer = new ServerStreamWriter<TResponse>(response, context, _registry.MaxSendMessageSize);
                    await _serverStreaming!(request, writer, context).ConfigureAwait(false);
                }
            }
            writer?.Complete();
            if (context.IsDeadlineExceeded)
            {
                throw new OperationCanceledException(context.CancellationToken);
            }
            if (context.Status.StatusCode != StatusCode.OK)
            {
                GrpcServerLog.CallFailed(_registry.Logger, _method.FullName, context.Status.StatusCode, context.Status.Detail);
            }
            ServerResponses.WriteStatus(response, context.Status, context.ResponseTrailersOrNull, messageWritten);
        }
        catch (Exception e)
        {
            writer?.Complete();
            EndWithException(http, context, e);
        }
        finally
        {
            context.Complete();
        }
    }

    private async ValueTask<TRequest> ReadSingleRequestAsync(System.IO.Pipelines.PipeReader reader, CancellationToken cancellationToken)
    {
        var max = _registry.MaxReceiveMessageSize;
        var request = await ServerFraming.ReadMessageAsync(reader, _method.RequestParser, max, cancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.Internal, "the request did not contain a message");
        // The client half-closes right after the one message; anything else is a protocol violation.
        if (await ServerFraming.ReadMessageAsync(reader, _method.RequestParser, max, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new RpcException(StatusCode.Internal, $"more than one request message for the {_method.Type} method {_method.FullName}");
        }
        return request;
    }

    private void EndWithException(HttpContext http, ServerCallContext context, Exception exception)
    {
        Status status;
        var trailers = context.ResponseTrailersOrNull;
        if (context.IsDeadlineExceeded)
        {
            GrpcServerLog.DeadlineExceeded(_registry.Logger, _method.FullName);
            status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }
        else if (http.RequestAborted.IsCancellationRequested)
        {
            // The client reset the stream or went away: nobody is left to read a status.
            GrpcServerLog.CallCancelled(_registry.Logger, _method.FullName);
            return;
        }
        else if (exception is RpcException rpc)
        {
            status = rpc.Status;
            if (rpc.Trailers.Count > 0)
            {
                trailers = context.ResponseTrailers;
                foreach (var entry in rpc.Trailers)
                {
                    if (entry.ValueBytes is { } bytes) { trailers.Add(entry.Key, bytes); } else { trailers.Add(entry.Key, entry.Value!); }
                }
            }
            GrpcServerLog.CallFailed(_registry.Logger, _method.FullName, status.StatusCode, status.Detail);
        }
        else if (exception is OperationCanceledException && _registry.Stopping.IsCancellationRequested)
        {
            status = new Status(StatusCode.Unavailable, "the server is shutting down");
        }
        else
        {
            // The exception text may hold internals: log it here, send only a generic message.
            GrpcServerLog.HandlerFailed(_registry.Logger, _method.FullName, exception);
            status = new Status(StatusCode.Internal, "Exception was thrown by handler.");
        }
        ServerResponses.WriteStatus(http.Response, status, trailers);
    }
}
