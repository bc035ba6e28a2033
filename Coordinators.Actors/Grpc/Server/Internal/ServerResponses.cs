using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Coordinators.Actors.Grpc.Server.Internal;

/// <summary>Request validation and status/metadata writing shared by every endpoint.</summary>
internal static class ServerResponses
{
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";

    // "0".."16" once, so writing a status allocates nothing.
    private static readonly string[] s_codes = [.. Enumerable.Range(0, 17).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>
    /// Checks the request is a gRPC request (POST, application/grpc[+proto]); otherwise answers the HTTP error the
    /// gRPC spec asks for (405 / 415, with grpc-status Internal for gRPC-aware clients) and returns false.
    /// </summary>
    public static bool ValidateRequest(HttpContext http, GrpcServiceRegistry registry)
    {
        var request = http.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            http.Response.Headers.Allow = "POST";
            Reject(http, registry, StatusCodes.Status405MethodNotAllowed, $"gRPC requires POST, not {request.Method}");
            return false;
        }
        if (!IsGrpcContentType(request.ContentType))
        {
            Reject(http, registry, StatusCodes.Status415UnsupportedMediaType, $"content-type '{request.ContentType}' is not supported; gRPC requires application/grpc");
            return false;
        }
        return true;
    }

    private static void Reject(HttpContext http, GrpcServiceRegistry registry, int httpStatus, string detail)
    {
        GrpcServerLog.RequestRejected(registry.Logger, http.Request.Method, http.Request.Path.Value ?? string.Empty, httpStatus, detail);
        http.Response.StatusCode = httpStatus;
        http.Response.Headers[StatusHeader] = s_codes[(int)StatusCode.Internal];
        http.Response.Headers[MessageHeader] = GrpcProtocol.EncodeMessage(detail);
    }

    /// <summary>application/grpc, application/grpc+proto or application/grpc;params, but not application/grpc-web.</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(GrpcProtocol.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        return contentType.Length == GrpcProtocol.ContentType.Length || contentType[GrpcProtocol.ContentType.Length] is '+' or ';';
    }

    /// <summary>
    /// Ends the call with a status. Before the response started this is a trailers-only response: grpc-status in
    /// the headers and no body, so Kestrel ends the stream on the HEADERS frame (what grpc-go and grpc-js send for
    /// errors). After it started, or when a message was written but not flushed yet (Kestrel reports HasStarted
    /// only after a flush), the status goes into the HTTP/2 trailers.
    /// </summary>
    public static void WriteStatus(HttpResponse response, Status status, Metadata? trailers, bool messageWritten = false)
    {
        if (!messageWritten && !response.HasStarted)
        {
            var headers = response.Headers;
            headers[StatusHeader] = s_codes[(int)status.StatusCode];
            if (!string.IsNullOrEmpty(status.Detail))
            {
                headers[MessageHeader] = GrpcProtocol.EncodeMessage(status.Detail);
            }
            if (trailers is not null)
            {
                AppendMetadata(headers, trailers);
            }
            return;
        }
        response.AppendTrailer(StatusHeader, s_codes[(int)status.StatusCode]);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            response.AppendTrailer(MessageHeader, GrpcProtocol.EncodeMessage(status.Detail));
        }
        if (trailers is not null)
        {
            foreach (var entry in trailers)
            {
                response.AppendTrailer(entry.Key, EncodeValue(entry));
            }
        }
    }

    /// <summary>Copies metadata into HTTP headers; binary values are base64 without padding as the spec prefers.</summary>
    public static void AppendMetadata(IHeaderDictionary headers, Metadata metadata)
    {
        foreach (var entry in metadata)
        {
            headers.Append(entry.Key, EncodeValue(entry));
        }
    }

    private static StringValues EncodeValue(Metadata.Entry entry) =>
        entry.ValueBytes is { } bytes ? Convert.ToBase64String(bytes).TrimEnd('=') : entry.Value;

    /// <summary>Builds request metadata from the HTTP headers, leaving out pseudo-headers and protocol headers.</summary>
    public static Metadata ReadRequestHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (key, values) in headers)
        {
            if (IsProtocolHeader(key))
            {
                continue;
            }
            foreach (var value in values)
            {
                if (value is null)
                {
                    continue;
                }
                try
                {
                    if (key.EndsWith("-bin", StringComparison.OrdinalIgnoreCase))
                    {
                        metadata.Add(key, DecodeBase64(value));
                    }
                    else
                    {
                        metadata.Add(key, value);
                    }
                }
                catch (Exception e) when (e is ArgumentException or FormatException)
                {
                    // A header gRPC cannot represent (odd name, bad base64) is not worth failing the call for.
                }
            }
        }
        return metadata;
    }

    private static bool IsProtocolHeader(string key) =>
        key.StartsWith(':') ||
        key.Equals("content-type", StringComparison.OrdinalIgnoreCase) ||
        key.Equals("te", StringComparison.OrdinalIgnoreCase) ||
        key.Equals("host", StringComparison.OrdinalIgnoreCase) ||
        key.Equals("content-length", StringComparison.OrdinalIgnoreCase) ||
        key.Equals("grpc-timeout", StringComparison.OrdinalIgnoreCase) ||
        key.Equals("grpc-encoding", StringComparison.OrdinalIgnoreCase) ||
        key.Equals("grpc-accept-encoding", StringComparison.OrdinalIgnoreCase);

    private static byte[] DecodeBase64(string value)
    {
        // Senders may drop the padding (the spec says they should); Convert wants it.
        var padding = (4 - value.Length % 4) % 4;
        return Convert.FromBase64String(padding == 0 ? value : value + new string('=', padding));
    }

    /// <summary>Splits "/service/method"; false for anything else.</summary>
    public static bool TrySplitPath(string? path, out string service, out string method)
    {
        service = method = string.Empty;
        if (string.IsNullOrEmpty(path) || path[0] != '/')
        {
            return false;
        }
        var slash = path.IndexOf('/', 1);
        if (slash <= 1 || slash == path.Length - 1 || path.IndexOf('/', slash + 1) >= 0)
        {
            return false;
        }
        service = path[1..slash];
        method = path[(slash + 1)..];
        return true;
    }
}
