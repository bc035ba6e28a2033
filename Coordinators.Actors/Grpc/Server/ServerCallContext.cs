using System.Net.Sockets;
using Coordinators.Actors.Grpc.Server.Internal;
using Microsoft.AspNetCore.Http;

namespace Coordinators.Actors.Grpc.Server;

/// <summary>
/// What a server handler (and an interceptor) knows about its call: method, peer, request metadata, deadline
/// and cancellation, plus the response headers and trailers it may send.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The server releases it in Complete() when the call ends; handlers must not dispose their context.")]
public sealed class ServerCallContext
{
    // Largest delay a timer accepts; a grpc-timeout beyond it is treated as no deadline.
    private static readonly TimeSpan s_maxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly HttpContext _httpContext;
    // Created only when the call has a deadline or is streaming; otherwise the token is RequestAborted itself.
    private readonly CancellationTokenSource? _cts;
    private readonly ITimer? _deadlineTimer;
    private readonly CancellationTokenRegistration _abortRegistration;
    private readonly CancellationTokenRegistration _stoppingRegistration;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private string? _peer;
    // Set once by the deadline timer (or at once for a zero timeout); read when the call ends.
    private volatile bool _deadlineExceeded;

    internal ServerCallContext(HttpContext httpContext, string method, GrpcServiceRegistry registry, bool streaming)
    {
        _httpContext = httpContext;
        Method = method;
        Deadline = DateTime.MaxValue;
        var timeout = GrpcProtocol.DecodeTimeout(httpContext.Request.Headers["grpc-timeout"]);
        var hasDeadline = timeout is { } t && t < s_maxTimerDelay;
        if (!hasDeadline && !streaming)
        {
            CancellationToken = httpContext.RequestAborted;
            return;
        }
        _cts = new CancellationTokenSource();
        if (hasDeadline)
        {
            var delay = timeout!.Value;
            Deadline = registry.TimeProvider.GetUtcNow().UtcDateTime + delay;
            if (delay <= TimeSpan.Zero)
            {
                _deadlineExceeded = true;
                _cts.Cancel();
            }
            else
            {
                _deadlineTimer = registry.TimeProvider.CreateTimer(static s => ((ServerCallContext)s!).OnDeadline(), this, delay, Timeout.InfiniteTimeSpan);
            }
        }
        _abortRegistration = httpContext.RequestAborted.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _cts);
        if (streaming)
        {
            _stoppingRegistration = registry.Stopping.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _cts);
        }
        CancellationToken = _cts.Token;
    }

    /// <summary>The called method's path, "/package.Service/Method".</summary>
    public string Method { get; }

    /// <summary>The :authority the client called.</summary>
    public string Host => _httpContext.Request.Host.Value ?? string.Empty;

    /// <summary>The client address in gRPC's form, e.g. "ipv4:127.0.0.1:50312".</summary>
    public string Peer => _peer ??= FormatPeer(_httpContext.Connection);

    /// <summary>When the call times out (UTC), from the client's grpc-timeout; DateTime.MaxValue when it has none.</summary>
    public DateTime Deadline { get; }

    /// <summary>
    /// Fires when the client cancels (RST_STREAM) or disconnects, when the deadline passes, and for streaming
    /// calls when the server begins to stop.
    /// </summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The client's metadata, without pseudo-headers and gRPC protocol headers. Built on first use.</summary>
    public Metadata RequestHeaders => _requestHeaders ??= ServerResponses.ReadRequestHeaders(_httpContext.Request.Headers);

    /// <summary>Metadata sent with the status at the end of the call (also on errors). Created on first use.</summary>
    public Metadata ResponseTrailers => _responseTrailers ??= new Metadata();

    /// <summary>
    /// The status to end the call with when the handler returns normally. A unary handler that sets a non-OK
    /// status gets no response message sent. A thrown <see cref="RpcException"/> overrides it.
    /// </summary>
    public Status Status { get; set; } = Status.DefaultSuccess;

    /// <summary>Per-call state shared between interceptors and the handler.</summary>
    public IDictionary<object, object?> UserState => _httpContext.Items;

    /// <summary>True once the response headers went out (by <see cref="WriteResponseHeadersAsync"/> or the first message).</summary>
    public bool ResponseStarted => _httpContext.Response.HasStarted;

    internal bool IsDeadlineExceeded => _deadlineExceeded;

    internal Metadata? ResponseTrailersOrNull => _responseTrailers;

    /// <summary>Sends the response headers with this metadata now; only before the first response message.</summary>
    public async Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        var response = _httpContext.Response;
        if (response.HasStarted)
        {
            throw new InvalidOperationException("response headers were already sent");
        }
        ServerResponses.AppendMetadata(response.Headers, responseHeaders);
        await response.StartAsync(CancellationToken).ConfigureAwait(false);
        await response.BodyWriter.FlushAsync(CancellationToken).ConfigureAwait(false);
    }

    /// <summary>The underlying ASP.NET Core request, for what this context does not expose (e.g. the client certificate).</summary>
    public HttpContext GetHttpContext() => _httpContext;

    private void OnDeadline()
    {
        _deadlineExceeded = true;
        try
        {
            _cts!.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call ended as the timer fired.
        }
    }

    /// <summary>Releases the timer and registrations; the call is over.</summary>
    internal void Complete()
    {
        if (_cts is null)
        {
            return;
        }
        _deadlineTimer?.Dispose();
        _abortRegistration.Dispose();
        _stoppingRegistration.Dispose();
        _cts.Dispose();
    }

    private static string FormatPeer(ConnectionInfo connection)
    {
        var ip = connection.RemoteIpAddress;
        if (ip is null)
        {
            return "unknown";
        }
        return ip.AddressFamily == AddressFamily.InterNetworkV6
            ? $"ipv6:[{ip}]:{connection.RemotePort}"
            : $"ipv4:{ip}:{connection.RemotePort}";
    }
}
