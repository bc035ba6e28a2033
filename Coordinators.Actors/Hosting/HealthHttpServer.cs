using System.Globalization;
using Coordinators.Actors.Components;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Coordinators.Actors.Model;
using OpenTelemetry.Metrics;

namespace Coordinators.Actors.Hosting;

/// <summary>
/// The process's HTTP endpoint for Kubernetes and systemd (<c>--http</c>, <c>coordinators.http.listen</c>):
/// <c>/healthz</c> answers 200 while the process holds an etcd session or has been re-establishing one for less than
/// its budget (one session TTL), 503 after that; <c>/readyz</c> answers 200 while the component is Healthy or StandBy
/// (a standby is ready: it serves as soon as it leads), 503 while Initializing, Abnormal or Stopping; <c>/metrics</c>
/// serves the <see cref="Telemetry"/> meter in the Prometheus text format (OpenTelemetry's exporter).
/// </summary>
public sealed class HealthHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ComponentHost _host;
    private readonly TimeSpan _budget;
    private readonly TimeProvider _time;
    private readonly Action<ComponentStateSnapshot> _onState;
    // Monotonic time since which the process has had no session; 0 while it has one. Written by state events.
    private long _noSessionSince;

    private HealthHttpServer(WebApplication app, ComponentHost host, TimeSpan budget, TimeProvider time)
    {
        _app = app;
        _host = host;
        _budget = budget;
        _time = time;
        _noSessionSince = host.ServerId == 0 ? time.GetTimestamp() : 0;
        _onState = s =>
        {
            if (s.ServerId != 0)
            {
                Interlocked.Exchange(ref _noSessionSince, 0);
            }
            else
            {
                Interlocked.CompareExchange(ref _noSessionSince, _time.GetTimestamp(), 0);
            }
        };
        host.StateChanged += _onState;
    }

    /// <summary>"host:port" the endpoint listens on.</summary>
    public string Address { get; private set; } = string.Empty;

    /// <summary>Starts the endpoint on <paramref name="listen"/> ("host:port", port 0 picks one).</summary>
    public static async Task<HealthHttpServer> StartAsync(ComponentHost host, string listen, TimeSpan budget, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var (listenHost, port) = ComponentHost.ParseListen(listen);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => ComponentServer.Listen(k, listenHost, port, HttpProtocols.Http1AndHttp2));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.Services.AddSingleton<ILoggerFactory>(new ComponentServer.ForwardingLoggerFactory(host.LoggerFactory));
        builder.Services.AddRouting();
        // No response cache: the exporter otherwise answers a scrape within 300 ms of the last one with the old text,
        // which hides a takeover from a probe that looks right after it.
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(Telemetry.MeterName)
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        var app = builder.Build();
        var server = new HealthHttpServer(app, host, budget, time);
        app.UseRouting();
        app.MapGet("/healthz", server.Healthz);
        app.MapGet("/readyz", server.Readyz);
        app.MapPrometheusScrapingEndpoint("/metrics");
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        server.Address = ComponentServer.BoundAddress(app, listenHost).Address;
        return server;
    }

    private IResult Healthz()
    {
        var s = _host.Snapshot;
        if (s.ServerId != 0)
        {
            return Results.Text($"ok: {s.Role} server {s.ServerId} holds its etcd session ({s.State})\n");
        }
        var since = Interlocked.Read(ref _noSessionSince);
        var without = since == 0 ? TimeSpan.Zero : _time.GetElapsedTime(since);
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{s.Role}: no etcd session for {without.TotalSeconds:F1} s (budget {_budget.TotalSeconds:F1} s)\n");
        return without < _budget ? Results.Text("ok: " + text) : Results.Text("unhealthy: " + text, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private IResult Readyz()
    {
        var s = _host.Snapshot;
        var text = $"{s.Role} server {s.ServerId}: {s.State}\n";
        return s.State is StateCode.Healthy or StateCode.StandBy
            ? Results.Text(text)
            : Results.Text(text, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _host.StateChanged -= _onState;
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
