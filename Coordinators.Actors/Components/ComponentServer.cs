using System.Net;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Components;

/// <summary>
/// A component's gRPC server: Grpc.AspNetCore on Kestrel (HTTP/2 only, cleartext), serving coordinators.Component
/// and grpc.health.v1.Health behind the <see cref="ComponentInterceptor"/>. Stopping cancels every handler first,
/// so open calls and health watches end at once with Unavailable, then stops Kestrel.
/// </summary>
public sealed class ComponentServer : IAsyncDisposable
{
    // Fires when the server begins to stop; every handler's token is linked to it by the interceptor.
    private readonly CancellationTokenSource _stopping = new();
    private readonly WebApplication _app;
    private int _stopped;

    private ComponentServer(WebApplication app) => _app = app;

    /// <summary>The bound port (the real one when 0 was asked for); 0 before start.</summary>
    public int Port { get; private set; }

    /// <summary>"host:port" as clients dial it.</summary>
    public string Address { get; private set; } = string.Empty;

    /// <summary>http://host:port.</summary>
    public Uri BaseAddress => new("http://" + Address);

    internal static ComponentServer Create(ComponentHost host, string listenHost, int port, HealthServiceImpl health)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => Listen(k, listenHost, port, HttpProtocols.Http2));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.Services.AddSingleton<ILoggerFactory>(new ForwardingLoggerFactory(host.LoggerFactory));
        builder.Services.AddRouting();
        ComponentServer? self = null;
        builder.Services.AddSingleton(_ => new ComponentInterceptor(host, self!._stopping.Token));
        builder.Services.AddGrpc(o => o.Interceptors.Add<ComponentInterceptor>());
        builder.Services.AddSingleton(new ComponentGrpcService(host));
        builder.Services.AddSingleton(health);
        foreach (var (register, _) in host.GrpcServices)
        {
            register(builder.Services);
        }
        var app = builder.Build();
        self = new ComponentServer(app);
        app.Use((context, next) =>
        {
            StoppableRequestLifetime.Install(context, self._stopping.Token);
            return next(context);
        });
        app.UseRouting();
        app.MapGrpcService<ComponentGrpcService>();
        app.MapGrpcService<HealthServiceImpl>();
        foreach (var (_, map) in host.GrpcServices)
        {
            map(app);
        }
        return self;
    }

    internal async Task StartAsync(string listenHost, CancellationToken cancellationToken)
    {
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        (Port, Address) = BoundAddress(_app, listenHost);
    }

    /// <summary>Kestrel on one host:port ("localhost", "*"/"0.0.0.0"/"::" for any, or an IP) with the given protocols.</summary>
    internal static void Listen(KestrelServerOptions k, string listenHost, int port, HttpProtocols protocols)
    {
        k.AddServerHeader = false;
        void Configure(ListenOptions o) => o.Protocols = protocols;
        if (listenHost is "localhost")
        {
            // Kestrel cannot bind localhost's two families to one dynamic port; IPv4 loopback is what peers dial.
            k.Listen(IPAddress.Loopback, port, Configure);
        }
        else if (listenHost is "" or "*" or "0.0.0.0" or "::")
        {
            k.ListenAnyIP(port, Configure);
        }
        else
        {
            k.Listen(IPAddress.Parse(listenHost), port, Configure);
        }
    }

    /// <summary>The port Kestrel bound (the real one when 0 was asked for) and "host:port" as clients dial it.</summary>
    internal static (int Port, string Address) BoundAddress(WebApplication app, string listenHost)
    {
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(bound.Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
        var host = listenHost is "" or "*" or "0.0.0.0" or "::" ? "127.0.0.1" : listenHost;
        return (port, host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}");
    }

    /// <summary>Ends every open call with Unavailable, then stops listening; idempotent.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>Kestrel and ASP.NET Core log through the component's factory, their chatter below Warning dropped.</summary>
    internal sealed class ForwardingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) =>
            categoryName.StartsWith("Microsoft.", StringComparison.Ordinal) || categoryName.StartsWith("Grpc.", StringComparison.Ordinal)
                ? new MinimumLevelLogger(inner.CreateLogger(categoryName), LogLevel.Warning)
                : inner.CreateLogger(categoryName);

        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("the component's logger factory is configured by its host");

        public void Dispose()
        {
            // The component's factory belongs to its host.
        }
    }

    private sealed class MinimumLevelLogger(ILogger inner, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
