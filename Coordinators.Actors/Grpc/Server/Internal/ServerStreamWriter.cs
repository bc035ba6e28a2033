using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Coordinators.Actors.Grpc.Server.Internal;

/// <summary>Writes framed response messages of one streaming call to Kestrel's response pipe.</summary>
internal sealed class ServerStreamWriter<T> : IServerStreamWriter<T>
    where T : IMessage<T>
{
    private readonly HttpResponse _response;
    private readonly ServerCallContext _context;
    private readonly int _maxSize;
    // 1 while a write is in flight: writes must not overlap, as on every gRPC stream.
    private int _writing;
    // Set when the handler returned; later writes are bugs in the handler.
    private volatile bool _completed;

    public ServerStreamWriter(HttpResponse response, ServerCallContext context, int maxSize)
    {
        _response = response;
        _context = context;
        _maxSize = maxSize;
    }

    public async Task WriteAsync(T message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_completed)
        {
            throw new InvalidOperationException("the call has completed; no more responses can be written");
        }
        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            throw new InvalidOperationException("a previous write is still in progress");
        }
        try
        {
            var token = _context.CancellationToken;
            token.ThrowIfCancellationRequested();
            ServerFraming.WriteMessage(_response.BodyWriter, message, _maxSize);
            // The call's token cancels a flush stuck on a client that stopped reading; the caller's too when given.
            var flush = cancellationToken.CanBeCanceled && cancellationToken != token
                ? FlushBothAsync(token, cancellationToken)
                : _response.BodyWriter.FlushAsync(token);
            var result = await flush.ConfigureAwait(false);
            if (result.IsCanceled)
            {
                throw new OperationCanceledException("the response flush was cancelled");
            }
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    private async ValueTask<System.IO.Pipelines.FlushResult> FlushBothAsync(CancellationToken callToken, CancellationToken userToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(callToken, userToken);
        return await _response.BodyWriter.FlushAsync(linked.Token).ConfigureAwait(false);
    }

    public void Complete() => _completed = true;
}
