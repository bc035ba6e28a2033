using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Coordinators.Actors.Grpc.Internal;

/// <summary>Maps transport failures and HTTP responses to gRPC statuses.</summary>
internal static class GrpcErrors
{
    /// <summary>
    /// Maps an exception from the HTTP layer. <paramref name="userCancelled"/> and <paramref name="deadlineFired"/>
    /// decide between Cancelled and DeadlineExceeded when the failure is a cancellation.
    /// </summary>
    public static RpcException Map(Exception e, bool userCancelled, bool deadlineFired)
    {
        if (e is RpcException r)
        {
            return r;
        }
        if (deadlineFired)
        {
            return new RpcException(StatusCode.DeadlineExceeded, "Deadline Exceeded", e);
        }
        if (userCancelled)
        {
            return new RpcException(StatusCode.Cancelled, "Call canceled by the client.", e);
        }
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is HttpProtocolException p)
            {
                // A connection the server closed (GOAWAY, e.g. Kestrel shutting down) did not process the call: the
                // gRPC spec lets it be retried, and grpc-go reports it as Unavailable. SocketsHttpHandler tells a
                // connection error from a stream reset only by its message.
                if (p.Message.Contains("closed the connection", StringComparison.Ordinal))
                {
                    return new RpcException(StatusCode.Unavailable, "connection closed by the server: " + p.Message, e);
                }
                // gRPC's HTTP/2 mapping: REFUSED_STREAM -> Unavailable, CANCEL -> Cancelled, the rest Internal.
                return p.ErrorCode switch
                {
                    0x7 => new RpcException(StatusCode.Unavailable, "stream refused: " + p.Message, e),
                    0x8 => new RpcException(StatusCode.Cancelled, "stream cancelled by the server: " + p.Message, e),
                    0xb => new RpcException(StatusCode.ResourceExhausted, "ENHANCE_YOUR_CALM: " + p.Message, e),
                    0xc => new RpcException(StatusCode.PermissionDenied, "INADEQUATE_SECURITY: " + p.Message, e),
                    _ => new RpcException(StatusCode.Internal, "HTTP/2 error: " + p.Message, e),
                };
            }
        }
        return e switch
        {
            HttpRequestException or IOException or SocketException => new RpcException(StatusCode.Unavailable, e.Message, e),
            // A cancellation nobody asked for comes from the handler's connect timeout.
            OperationCanceledException => new RpcException(StatusCode.Unavailable, "connect timed out: " + e.Message, e),
            _ => new RpcException(StatusCode.Internal, e.GetType().Name + ": " + e.Message, e),
        };
    }

    /// <summary>
    /// True when the failure happened before any byte of the request reached the server (no connection could be
    /// opened), so even a non-idempotent call may be retried elsewhere.
    /// </summary>
    public static bool WasNotSent(RpcException e)
    {
        for (var x = e.InnerException; x is not null; x = x.InnerException)
        {
            if (x is SocketException s)
            {
                return s.SocketErrorCode is SocketError.ConnectionRefused or SocketError.HostUnreachable or
                    SocketError.NetworkUnreachable or SocketError.AddressNotAvailable or SocketError.HostNotFound;
            }
            if (x is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError })
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Checks an HTTP response for gRPC: 200 and application/grpc. Returns the status carried by the headers of a
    /// trailers-only response, or null when a body (and trailers) follow.
    /// </summary>
    public static Status? CheckResponse(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var headerStatus = ReadStatus(response.Headers);
            if (headerStatus is not null)
            {
                return headerStatus;
            }
            throw new RpcException(FromHttpStatus(response.StatusCode), $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}");
        }
        var status = ReadStatus(response.Headers);
        if (status is not null)
        {
            return status;
        }
        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (contentType is null || !contentType.StartsWith(GrpcProtocol.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {contentType}");
        }
        return null;
    }

    /// <summary>The status from the trailers received after the body; a missing status is an Internal error.</summary>
    public static Status TrailerStatus(HttpResponseMessage response) =>
        ReadStatus(response.TrailingHeaders) ?? new Status(StatusCode.Internal, "no grpc-status in the response trailers");

    /// <summary>Reads grpc-status / grpc-message (percent-decoded); null when grpc-status is absent.</summary>
    public static Status? ReadStatus(HttpHeaders headers)
    {
        if (!headers.NonValidated.TryGetValues("grpc-status", out var values))
        {
            return null;
        }
        var text = values.ToString();
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            return new Status(StatusCode.Unknown, "unparsable grpc-status: " + text);
        }
        var message = headers.NonValidated.TryGetValues("grpc-message", out var m) ? GrpcProtocol.DecodeMessage(m.ToString()) : string.Empty;
        return new Status((StatusCode)code, message);
    }

    /// <summary>Metadata from response headers or trailers, without the reserved gRPC and HTTP entries.</summary>
    public static Metadata ToMetadata(HttpHeaders headers)
    {
        var md = new Metadata();
        foreach (var (key, values) in headers.NonValidated)
        {
            if (key.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase) || key.Equals("content-type", StringComparison.OrdinalIgnoreCase) ||
                key.StartsWith(':'))
            {
                continue;
            }
            foreach (var v in values)
            {
                try
                {
                    if (key.EndsWith("-bin", StringComparison.OrdinalIgnoreCase))
                    {
                        md.Add(key, Convert.FromBase64String(PadBase64(v)));
                    }
                    else
                    {
                        md.Add(key, v);
                    }
                }
                catch (FormatException)
                {
                    // A malformed binary value is dropped rather than failing the whole call.
                }
                catch (ArgumentException)
                {
                    // A key gRPC would not accept (HTTP-only headers such as "date" are fine; odd ones are skipped).
                }
            }
        }
        return md;
    }

    private static string PadBase64(string v) => (v.Length % 4) switch { 2 => v + "==", 3 => v + "=", _ => v };

    private static StatusCode FromHttpStatus(HttpStatusCode code) => (int)code switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };
}
