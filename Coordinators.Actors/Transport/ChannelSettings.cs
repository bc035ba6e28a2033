using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;

namespace Coordinators.Actors.Transport;

/// <summary>
/// How the project builds a Grpc.Net.Client <see cref="GrpcChannel"/>: one <see cref="SocketsHttpHandler"/> with a
/// connect timeout, HTTP/2 keep-alive pings while calls are open, and TLS with a private CA and a client
/// certificate. Used for etcd members and for component peers alike.
/// </summary>
public sealed record ChannelSettings
{
    /// <summary>gRPC's own default limit for one message (4 MiB).</summary>
    public const int DefaultMaxMessageSize = 4 * 1024 * 1024;

    /// <summary>Largest request message sent.</summary>
    public int MaxSendMessageSize { get; init; } = DefaultMaxMessageSize;

    /// <summary>Largest response message accepted.</summary>
    public int MaxReceiveMessageSize { get; init; } = DefaultMaxMessageSize;

    /// <summary>PEM CA the server's certificate must chain to (https targets); null trusts the system store.</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM client certificate for mutual TLS.</summary>
    public string? ClientCertFile { get; init; }

    /// <summary>PEM private key of <see cref="ClientCertFile"/>.</summary>
    public string? ClientKeyFile { get; init; }

    /// <summary>How long opening one connection may take before the call fails Unavailable.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>HTTP/2 ping period while calls are open; etcd refuses pings more often than every 5 s.</summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a ping may go unanswered before the connection is closed.</summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A handler built from these settings; several channels may share one (one pool, one TLS setup).</summary>
    public SocketsHttpHandler CreateHandler()
    {
        if (KeepAlivePingDelay < TimeSpan.FromSeconds(5))
        {
            throw new ArgumentOutOfRangeException(nameof(KeepAlivePingDelay), KeepAlivePingDelay,
                "keep-alive pings more often than every 5 s are refused by etcd (ENHANCE_YOUR_CALM)");
        }
        if (ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "the connect timeout must be positive");
        }
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = KeepAlivePingDelay,
            KeepAlivePingTimeout = KeepAlivePingTimeout,
            // Pings on an idle connection count as abuse for grpc-go servers (PermitWithoutStream=false).
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectTimeout = ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            // Our own connect: with a plain SocketsHttpHandler, Grpc.Net.Client takes over connecting through its
            // subchannels, which fail every call at once while a reconnect backoff (growing to 2 min) runs. Here the
            // ConnectionManager and the etcd client own connects, retries and failover, so a call must connect now.
            ConnectCallback = ConnectAsync,
        };
        if (CaFile is not null || ClientCertFile is not null)
        {
            handler.SslOptions = TlsSettings.Create(CaFile, ClientCertFile, ClientKeyFile);
        }
        return handler;
    }

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A channel to <paramref name="address"/> ("host:port" means http://) over <paramref name="handler"/>, which the
    /// caller owns; null builds a handler that the channel owns.
    /// </summary>
    public GrpcChannel CreateChannel(string address, HttpMessageHandler? handler = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        var uri = new Uri(address.Contains("://", StringComparison.Ordinal) ? address : "http://" + address, UriKind.Absolute);
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"gRPC address must be http:// or https://, not '{address}'", nameof(address));
        }
        if (uri.Scheme == Uri.UriSchemeHttp && (CaFile is not null || ClientCertFile is not null))
        {
            // dotnet-etcd's own channel setup silently speaks plaintext in this case; we refuse instead.
            throw new ArgumentException($"'{address}' is plaintext http:// but TLS settings (CA or client certificate) are given: use https://", nameof(address));
        }
        return GrpcChannel.ForAddress(uri, new GrpcChannelOptions
        {
            HttpHandler = handler ?? CreateHandler(),
            DisposeHttpClient = handler is null,
            MaxSendMessageSize = MaxSendMessageSize,
            MaxReceiveMessageSize = MaxReceiveMessageSize,
        });
    }
}
