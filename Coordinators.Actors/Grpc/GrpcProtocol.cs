using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Coordinators.Actors.Grpc;

/// <summary>
/// Wire details shared by the client and the server: length-prefixed message framing,
/// grpc-timeout encoding and grpc-message percent-encoding.
/// </summary>
internal static class GrpcProtocol
{
    /// <summary>The gRPC content type.</summary>
    public const string ContentType = "application/grpc";

    /// <summary>Default limit for one message in either direction (4 MiB, as grpc's default).</summary>
    public const int DefaultMaxMessageSize = 4 * 1024 * 1024;

    /// <summary>Size of the frame header: 1 byte compressed flag + 4 bytes big-endian length.</summary>
    public const int HeaderSize = 5;

    /// <summary>Writes the 5-byte frame header for an uncompressed message of the given length.</summary>
    public static void WriteHeader(Span<byte> destination, int length)
    {
        destination[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }

    /// <summary>
    /// Reads one length-prefixed message. Returns null at a clean end of stream (no bytes of a new frame).
    /// Throws <see cref="RpcException"/> for a truncated frame, a compressed frame or an oversized one.
    /// </summary>
    public static async ValueTask<byte[]?> ReadMessageAsync(Stream stream, int maxMessageSize, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderSize];
        var read = await ReadFullyAsync(stream, header, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }
        if (read < HeaderSize)
        {
            throw new RpcException(StatusCode.Internal, "stream ended inside a gRPC frame header");
        }
        if (header[0] != 0)
        {
            throw new RpcException(StatusCode.Unimplemented, "compressed gRPC messages are not supported");
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
        if (length > (uint)maxMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"received message larger than max ({length} vs. {maxMessageSize})");
        }
        var body = new byte[length];
        if (await ReadFullyAsync(stream, body, cancellationToken).ConfigureAwait(false) < body.Length)
        {
            throw new RpcException(StatusCode.Internal, "stream ended inside a gRPC message");
        }
        return body;
    }

    private static async ValueTask<int> ReadFullyAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }

    /// <summary>Encodes a timeout as grpc-timeout ("100m", "5S", ...), at most 8 digits.</summary>
    public static string EncodeTimeout(TimeSpan timeout)
    {
        var ticks = Math.Max(0, timeout.Ticks);
        var micros = ticks / 10;
        if (micros < 100_000_000) { return Math.Max(1, micros).ToString(CultureInfo.InvariantCulture) + "u"; }
        var millis = ticks / TimeSpan.TicksPerMillisecond;
        if (millis < 100_000_000) { return millis.ToString(CultureInfo.InvariantCulture) + "m"; }
        var seconds = ticks / TimeSpan.TicksPerSecond;
        if (seconds < 100_000_000) { return seconds.ToString(CultureInfo.InvariantCulture) + "S"; }
        return Math.Min(99_999_999, seconds / 3600).ToString(CultureInfo.InvariantCulture) + "H";
    }

    /// <summary>Decodes a grpc-timeout header value; null when absent or malformed.</summary>
    public static TimeSpan? DecodeTimeout(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length < 2 ||
            !long.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }
        return value[^1] switch
        {
            'H' => TimeSpan.FromHours(n),
            'M' => TimeSpan.FromMinutes(n),
            'S' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMilliseconds(n),
            'u' => TimeSpan.FromTicks(n * 10),
            'n' => TimeSpan.FromTicks(n / 100),
            _ => null,
        };
    }

    /// <summary>
    /// Percent-encodes grpc-message as the gRPC spec says: UTF-8, and only bytes outside
    /// 0x20-0x7E and '%' itself are escaped (Uri.EscapeDataString over-escapes; grpc-js shows "%3A").
    /// </summary>
    public static string EncodeMessage(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var sb = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    /// <summary>Decodes a percent-encoded grpc-message; malformed escapes are kept literally.</summary>
    public static string DecodeMessage(string? value)
    {
        if (string.IsNullOrEmpty(value) || !value.Contains('%', StringComparison.Ordinal))
        {
            return value ?? string.Empty;
        }
        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '%' && i + 2 < value.Length &&
                byte.TryParse(value.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(value[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
