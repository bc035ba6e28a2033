using System.Net;
using Coordinators.Actors.Grpc.Server.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Grpc.Server;

/// <summary>
/// A gRPC server on Kestrel, listening on one HTTP/2-only endpoint (cleartext with prior knowledge, or TLS).
/// Unknown methods answer Unimplemented. Create it with <see cref="CreateBuilder"/>.
/// </summary>
public sealed class GrpcServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _tls;
    private readonly string _host;
    // 0 until started; then the bound port.
    private int _port;
    private int _state; // 0 built, 1 started, 2 stopped

    internal GrpcServer(GrpcServerBuilder builder)
    {
        _tls = builder.Certificate is not null;
        _host = builder.Host;
        var web = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(GrpcServer).Assembly.GetName().Name });
        if (builder.LoggerFactory is { } loggerFactory)
        {
            web.Services.AddSingleton(loggerFactory);
        }
        web.Services.AddLogging();
        web.Services.AddRoutingCore();
        web.Services.Configure<HostOptions>(o => o.ShutdownTimeout = builder.ShutdownTimeout);
        var options = builder.Options;
        web.Services.AddGrpcServer(o =>
        {
            o.MaxReceiveMessageSize = options.MaxReceiveMessageSize;
            o.MaxSendMessageSize = options.MaxSendMessageSize;
            o.TimeProvider = options.TimeProvider;
            foreach (var interceptor in options.Interceptors)
            {
                o.Interceptors.Add(interceptor);
            }
        });
        var address = ResolveAddress(builder.Host);
        var port = builder.Port;
        var certificate = builder.Certificate;
        web.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // gRPC enforces its own per-message limit; Kestrel's body limits would cut long-lived streams.
            k.Limits.MaxRequestBodySize = null;
            k.Limits.MinRequestBodyDataRate = null;
            k.Listen(address, port, listen =>
            {
                // Http2 only: with Http1AndHttp2 and no TLS, Kestrel cannot negotiate and serves HTTP/1.1.
                listen.Protocols = HttpProtocols.Http2;
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
            foreach (var configure in builder.KestrelActions)
            {
                configure(k);
            }
        });
        _app = web.Build();
        foreach (var map in builder.Endpoints)
        {
            map(_app);
        }
        _app.MapGrpcUnimplemented();
    }

    /// <summary>Starts configuring a server.</summary>
    public static GrpcServerBuilder CreateBuilder() => new();

    /// <summary>The bound port; after <see cref="StartAsync"/> this is the real port even when 0 was asked for.</summary>
    public int Port => _port != 0 ? _port : throw new InvalidOperationException("the server has not started");

    /// <summary>"host:port" as it listens, e.g. "127.0.0.1:43121".</summary>
    public string Address => _host.Contains(':', StringComparison.Ordinal) ? $"[{_host}]:{Port}" : $"{_host}:{Port}";

    /// <summary>The base URI clients use: http://host:port or https://host:port.</summary>
    public Uri BaseAddress => new($"{(_tls ? "https" : "http")}://{Address}");

    /// <summary>The server's services (e.g. for a registered singleton).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Binds and starts serving.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("the server was already started");
        }
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var bound = addresses?.Select(a => new Uri(a)).FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no bound address");
        _port = bound.Port;
        var logger = _app.Services.GetService<ILoggerFactory>()?.CreateLogger("Coordinators.Actors.Grpc.Server");
        if (logger is not null)
        {
            GrpcServerLog.Listening(logger, BaseAddress.ToString());
        }
    }

    /// <summary>
    /// Stops: streaming calls end at once with Unavailable, unary calls get the shutdown timeout to finish, then
    /// connections are closed. Cancelling the token aborts the remaining calls sooner.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) != 1)
        {
            return;
        }
        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops (when started) and releases everything.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static IPAddress ResolveAddress(string host)
    {
        if (host is "*" or "+" or "0.0.0.0")
        {
            return IPAddress.Any;
        }
        if (host is "localhost")
        {
            // Kestrel cannot bind localhost's two families to one dynamic port; IPv4 loopback is what peers dial.
            return IPAddress.Loopback;
        }
        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip))
        {
            return ip;
        }
        return Dns.GetHostAddresses(host).FirstOrDefault()
            ?? throw new ArgumentException($"host '{host}' has no address", nameof(host));
    }
}
