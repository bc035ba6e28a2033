using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;

namespace Coordinators.Actors.Grpc.Server.Internal;

/// <summary>
/// Length-prefixed gRPC framing on Kestrel's pipes: messages are parsed straight from the request
/// buffer and serialised straight into the response buffer, without intermediate arrays.
/// </summary>
internal static class ServerFraming
{
    /// <summary>Reads the next message; null when the client half-closed cleanly between messages.</summary>
    public static async ValueTask<T?> ReadMessageAsync<T>(PipeReader reader, MessageParser<T> parser, int maxSize, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryReadFrame(ref buffer, maxSize, out var payload))
            {
                try
                {
                    return parser.ParseFrom(payload);
                }
                catch (InvalidProtocolBufferException e)
                {
                    throw new RpcException(StatusCode.Internal, "failed to parse the request message", e);
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start);
                }
            }
            if (result.IsCanceled)
            {
                throw new OperationCanceledException("reading the request was cancelled");
            }
            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                return buffer.IsEmpty ? null : throw new RpcException(StatusCode.Internal, "request stream ended inside a gRPC message");
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Slices one complete frame's payload off the front of <paramref name="buffer"/>; false when more bytes are needed.
    /// </summary>
    private static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxSize, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (buffer.Length < GrpcProtocol.HeaderSize)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[GrpcProtocol.HeaderSize];
        buffer.Slice(0, GrpcProtocol.HeaderSize).CopyTo(header);
        if (header[0] != 0)
        {
            // We advertise no grpc-accept-encoding, so a compressed frame is a client error the spec maps to Unimplemented.
            throw new RpcException(StatusCode.Unimplemented, "compressed gRPC messages are not supported");
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"received message larger than max ({length} vs. {maxSize})");
        }
        if (buffer.Length - GrpcProtocol.HeaderSize < length)
        {
            return false;
        }
        payload = buffer.Slice(GrpcProtocol.HeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>
    /// Serialises one framed message into the writer without flushing it. The size check runs before any
    /// byte is written, so a too-large response can still be answered trailers-only.
    /// </summary>
    public static void WriteMessage(PipeWriter writer, IMessage message, int maxSize)
    {
        var size = message.CalculateSize();
        if (size > maxSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"sending message larger than max ({size} vs. {maxSize})");
        }
        var span = writer.GetSpan(GrpcProtocol.HeaderSize + size);
        GrpcProtocol.WriteHeader(span, size);
        message.WriteTo(span.Slice(GrpcProtocol.HeaderSize, size));
        writer.Advance(GrpcProtocol.HeaderSize + size);
    }
}
