using System.Net;
using System.Threading.Channels;

namespace Coordinators.Actors.Grpc.Internal;

/// <summary>
/// Request body of a duplex call: frames queued by the writer are written and flushed one by one, so the first
/// message leaves before response headers arrive (grpc-go sends headers only with the first response).
/// Completing the queue ends the body (half-close).
/// </summary>
internal sealed class StreamingContent : HttpContent
{
    // Frames waiting to be written; completed by CompleteAsync or by the call's end.
    private readonly Channel<byte[]> _frames = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });

    public StreamingContent() => Headers.TryAddWithoutValidation("content-type", GrpcProtocol.ContentType);

    public bool TryWrite(byte[] frame) => _frames.Writer.TryWrite(frame);

    public void Complete(Exception? error = null) => _frames.Writer.TryComplete(error);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var reader = _frames.Reader;
        // Flush right away so the request HEADERS frame goes out even before the first message is queued.
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var frame))
            {
                await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            }
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
