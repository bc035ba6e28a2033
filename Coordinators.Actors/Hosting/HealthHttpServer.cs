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
/// serves the <see cref="Telemetry"/> meter in the Prometheus text format (OpenTelemetry's exporter). A process of
/// several components (<c>standalone</c>) answers one line per component, and 503 when any of them would.
/// </summary>
public sealed class HealthHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IReadOnlyList<SessionTracker> _hosts;
    private readonly TimeSpan _budget;
    private readonly TimeProvider _time;

    private HealthHttpServer(WebApplication app, IReadOnlyList<ComponentHost> hosts, TimeSpan budget, TimeProvider time)
    {
        _app = app;
        _budget = budget;
        _time = time;
        _hosts = [.. hosts.Select(h => new SessionTracker(h, time))];
    }

    /// <summary>"host:port" the endpoint listens on.</summary>
    public string Address { get; private set; } = string.Empty;

    /// <summary>Starts the endpoint on <paramref name="listen"/> ("host:port", port 0 picks one).</summary>
    public static Task<HealthHttpServer> StartAsync(ComponentHost host, string listen, TimeSpan budget, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        return StartAsync([host], listen, budget, time, cancellationToken);
    }

    /// <summary>Starts one endpoint for every component in <paramref name="hosts"/> (a process that runs several).</summary>
    public static async Task<HealthHttpServer> StartAsync(IReadOnlyList<ComponentHost> hosts, string listen, TimeSpan budget, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentOutOfRangeException.ThrowIfZero(hosts.Count);
        var (listenHost, port) = ComponentHost.ParseListen(listen);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => ComponentServer.Listen(k, listenHost, port, HttpProtocols.Http1AndHttp2));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.Services.AddSingleton<ILoggerFactory>(new ComponentServer.ForwardingLoggerFactory(hosts[0].LoggerFactory));
        builder.Services.AddRouting();
        // No response cache: the exporter otherwise answers a scrape within 300 ms of the last one with the old text,
        // which hides a takeover from a probe that looks right after it.
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(Telemetry.MeterName)
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        var app = builder.Build();
        var server = new HealthHttpServer(app, hosts, budget, time);
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
        var healthy = true;
        var text = new System.Text.StringBuilder();
        foreach (var tracker in _hosts)
        {
            var s = tracker.Host.Snapshot;
            if (s.ServerId != 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"ok: {s.Role} server {s.ServerId} holds its etcd session ({s.State})\n");
                continue;
            }
            var since = tracker.NoSessionSince;
            var without = since == 0 ? TimeSpan.Zero : _time.GetElapsedTime(since);
            var within = without < _budget;
            healthy &= within;
            text.Append(within ? "ok: " : "unhealthy: ")
                .Append(CultureInfo.InvariantCulture, $"{s.Role}: no etcd session for {without.TotalSeconds:F1} s (budget {_budget.TotalSeconds:F1} s)\n");
        }
        return healthy ? Results.Text(text.ToString()) : Results.Text(text.ToString(), statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private IResult Readyz()
    {
        var ready = true;
        var text = new System.Text.StringBuilder();
        foreach (var tracker in _hosts)
        {
            var s = tracker.Host.Snapshot;
            ready &= s.State is StateCode.Healthy or StateCode.StandBy;
            text.Append(CultureInfo.InvariantCulture, $"{s.Role} server {s.ServerId}: {s.State}\n");
        }
        return ready ? Results.Text(text.ToString()) : Results.Text(text.ToString(), statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var tracker in _hosts)
        {
            tracker.Dispose();
        }
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Since when a component has had no session (for /healthz's budget), kept from its state events.</summary>
    private sealed class SessionTracker : IDisposable
    {
        private readonly Action<ComponentStateSnapshot> _onState;
        // Monotonic time since which the component has had no session; 0 while it has one.
        private long _noSessionSince;

        public SessionTracker(ComponentHost host, TimeProvider time)
        {
            Host = host;
            _noSessionSince = host.ServerId == 0 ? time.GetTimestamp() : 0;
            _onState = s =>
            {
                if (s.ServerId != 0)
                {
                    Interlocked.Exchange(ref _noSessionSince, 0);
                }
                else
                {
                    Interlocked.CompareExchange(ref _noSessionSince, time.GetTimestamp(), 0);
                }
            };
            host.StateChanged += _onState;
        }

        public ComponentHost Host { get; }

        public long NoSessionSince => Interlocked.Read(ref _noSessionSince);

        public void Dispose() => Host.StateChanged -= _onState;
    }
}
