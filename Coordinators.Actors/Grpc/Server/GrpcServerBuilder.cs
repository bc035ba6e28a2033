using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Grpc.Server;

/// <summary>
/// Configures a <see cref="GrpcServer"/>: where it listens, TLS, limits, interceptors and the methods it serves.
/// </summary>
public sealed class GrpcServerBuilder
{
    private readonly List<Action<IEndpointRouteBuilder>> _endpoints = [];
    private readonly List<Action<KestrelServerOptions>> _kestrel = [];

    /// <summary>Shared endpoint settings: message size limits, interceptors, clock.</summary>
    public GrpcServerOptions Options { get; } = new();

    internal string Host { get; private set; } = "127.0.0.1";

    internal int Port { get; private set; }

    internal X509Certificate2? Certificate { get; private set; }

    internal ILoggerFactory? LoggerFactory { get; private set; }

    internal TimeSpan ShutdownTimeout { get; private set; } = TimeSpan.FromSeconds(5);

    internal IReadOnlyList<Action<IEndpointRouteBuilder>> Endpoints => _endpoints;

    internal IReadOnlyList<Action<KestrelServerOptions>> KestrelActions => _kestrel;

    /// <summary>
    /// Listens on this host and port (default 127.0.0.1:0). Port 0 picks a free port, readable from
    /// <see cref="GrpcServer.Port"/> after start. Host may be an IP, "localhost" (IPv4 loopback) or "*" / "0.0.0.0" (all).
    /// </summary>
    public GrpcServerBuilder ListenOn(string host, int port)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        Host = host;
        Port = port;
        return this;
    }

    /// <summary>Serves over TLS (ALPN h2) with this certificate, which must hold its private key.</summary>
    public GrpcServerBuilder UseTls(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        Certificate = certificate;
        return this;
    }

    /// <summary>Logs through this factory (Kestrel's own logs included); default: no logging.</summary>
    public GrpcServerBuilder UseLoggerFactory(ILoggerFactory loggerFactory)
    {
        LoggerFactory = loggerFactory;
        return this;
    }

    /// <summary>How long <see cref="GrpcServer.StopAsync"/> lets unary calls finish before aborting them (default 5 s).</summary>
    public GrpcServerBuilder WithShutdownTimeout(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        ShutdownTimeout = timeout;
        return this;
    }

    /// <summary>Changes the shared endpoint settings.</summary>
    public GrpcServerBuilder ConfigureOptions(Action<GrpcServerOptions> configure)
    {
        configure(Options);
        return this;
    }

    /// <summary>Adds an interceptor run before every call, after those added before it.</summary>
    public GrpcServerBuilder AddInterceptor(ServerCallInterceptor interceptor)
    {
        ArgumentNullException.ThrowIfNull(interceptor);
        Options.Interceptors.Add(interceptor);
        return this;
    }

    /// <summary>Adjusts Kestrel beyond what this builder exposes (HTTP/2 limits, keep-alive pings).</summary>
    public GrpcServerBuilder ConfigureKestrel(Action<KestrelServerOptions> configure)
    {
        _kestrel.Add(configure);
        return this;
    }

    /// <summary>Maps endpoints directly, e.g. a service's own <c>MapXxx</c> extension.</summary>
    public GrpcServerBuilder MapEndpoints(Action<IEndpointRouteBuilder> map)
    {
        _endpoints.Add(map);
        return this;
    }

    /// <summary>Serves a unary method.</summary>
    public GrpcServerBuilder MapGrpcUnary<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => MapEndpoints(e => e.MapGrpcUnary(method, handler));

    /// <summary>Serves a server-streaming method.</summary>
    public GrpcServerBuilder MapGrpcServerStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => MapEndpoints(e => e.MapGrpcServerStreaming(method, handler));

    /// <summary>Serves a duplex-streaming method.</summary>
    public GrpcServerBuilder MapGrpcDuplex<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => MapEndpoints(e => e.MapGrpcDuplex(method, handler));

    /// <summary>Creates the server; nothing listens until <see cref="GrpcServer.StartAsync"/>.</summary>
    public GrpcServer Build() => new(this);
}
