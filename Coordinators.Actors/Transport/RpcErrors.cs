using System.Net.Http;
using System.Net.Sockets;
using Grpc.Core;

namespace Coordinators.Actors.Transport;

/// <summary>What a failed Grpc.Net.Client call tells about where it failed.</summary>
public static class RpcErrors
{
    /// <summary>
    /// True when the call failed before any byte of it reached the server (no connection could be opened, or its TLS
    /// handshake failed), so even a non-idempotent call may be repeated elsewhere. Grpc.Net.Client keeps the
    /// transport error in <see cref="Status.DebugException"/>.
    /// </summary>
    public static bool WasNotSent(RpcException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        for (var x = e.Status.DebugException ?? e.InnerException; x is not null; x = x.InnerException)
        {
            if (x is SocketException s)
            {
                return s.SocketErrorCode is SocketError.ConnectionRefused or SocketError.HostUnreachable or
                    SocketError.NetworkUnreachable or SocketError.AddressNotAvailable or SocketError.HostNotFound;
            }
            if (x is System.Security.Authentication.AuthenticationException
                || x is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError })
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// A call that never reached the server as what it is for a caller: Unavailable (grpc-go's code for a failed TLS
    /// handshake, where Grpc.Net.Client says Internal), with the same detail and transport error.
    /// </summary>
    public static RpcException AsUnavailableWhenNotSent(RpcException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.StatusCode != StatusCode.Unavailable && WasNotSent(e)
            ? Create(StatusCode.Unavailable, e.Status.Detail, e.Status.DebugException)
            : e;
    }

    /// <summary>An RpcException with <paramref name="code"/> and <paramref name="detail"/>.</summary>
    public static RpcException Create(StatusCode code, string detail, Exception? debug = null) =>
        new(new Status(code, detail, debug));

    // gRPC's canonical names of the status codes, indexed by code (as grpc-go and OpenTelemetry spell them).
    private static readonly string[] s_names =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
        "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    /// <summary>The canonical name of <paramref name="code"/> (e.g. DEADLINE_EXCEEDED), or its number when unknown.</summary>
    public static string StatusName(StatusCode code) =>
        (int)code >= 0 && (int)code < s_names.Length ? s_names[(int)code] : ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
