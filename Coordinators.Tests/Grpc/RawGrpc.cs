using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Coordinators.Tests.Grpc;

/// <summary>
/// Hand-made gRPC requests over HttpClient (HTTP/2 prior knowledge), to look at the exact framing, headers and
/// trailers our server sends, independent of any gRPC client library.
/// </summary>
internal static class RawGrpc
{
    public static HttpClient CreateClient() => new(new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(30) };

    public static HttpRequestMessage Request(Uri baseAddress, string path, byte[]? body, string method = "POST", string contentType = "application/grpc")
    {
        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(baseAddress, path))
        {
            // Without these HttpClient silently speaks HTTP/1.1, which an HTTP/2-only listener refuses.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        request.Headers.TryAddWithoutValidation("te", "trailers");
        return request;
    }

    public static async Task<RawResponse> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        return new RawResponse(response.Version, response.StatusCode, response.Headers, response.Content.Headers, body, response.TrailingHeaders);
    }

    public static byte[] Frame(IMessage message)
    {
        var payload = message.ToByteArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public static List<T> Unframe<T>(byte[] body, MessageParser<T> parser)
        where T : IMessage<T>
    {
        var messages = new List<T>();
        var offset = 0;
        while (offset < body.Length)
        {
            Assert.Equal(0, body[offset]);
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(offset + 1));
            messages.Add(parser.ParseFrom(body, offset + 5, length));
            offset += 5 + length;
        }
        return messages;
    }

    public static string? Single(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? Assert.Single(values) : null;
}

internal sealed record RawResponse(
    Version Version, HttpStatusCode StatusCode, HttpResponseHeaders Headers, HttpContentHeaders ContentHeaders, byte[] Body, HttpResponseHeaders Trailers);
