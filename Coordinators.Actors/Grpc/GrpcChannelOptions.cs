namespace Coordinators.Actors.Grpc;

/// <summary>How a <see cref="GrpcChannel"/> connects and what it allows.</summary>
public sealed record GrpcChannelOptions
{
    /// <summary>
    /// A handler shared by several channels (one connection pool); when null the channel makes its own
    /// from the settings below and disposes it with itself.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>Largest message the client sends; larger ones fail with ResourceExhausted before sending.</summary>
    public int MaxSendMessageSize { get; init; } = GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>Largest message the client accepts; larger ones fail the call with ResourceExhausted.</summary>
    public int MaxReceiveMessageSize { get; init; } = GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>PEM file of the CA that signs the server certificate (https:// only); null trusts the system store.</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM certificate presented to the server (mutual TLS), with <see cref="ClientKeyFile"/>.</summary>
    public string? ClientCertFile { get; init; }

    /// <summary>PEM private key of <see cref="ClientCertFile"/>.</summary>
    public string? ClientKeyFile { get; init; }

    /// <summary>How long opening a TCP (and TLS) connection may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>HTTP/2 keep-alive ping period while calls are active; etcd refuses pings more often than every 5 s.</summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a keep-alive ping may stay unanswered before the connection is dropped.</summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Clock for deadlines.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Builds the handler these options describe; callers that share it dispose it.</summary>
    public SocketsHttpHandler CreateHandler()
    {
        if (KeepAlivePingDelay < TimeSpan.FromSeconds(5))
        {
            throw new ArgumentOutOfRangeException(nameof(KeepAlivePingDelay), KeepAlivePingDelay, "keep-alive pings more often than every 5 s are refused by etcd");
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
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
        };
        if (CaFile is not null || ClientCertFile is not null)
        {
            handler.SslOptions = Internal.TlsSettings.Create(CaFile, ClientCertFile, ClientKeyFile);
        }
        return handler;
    }
}
