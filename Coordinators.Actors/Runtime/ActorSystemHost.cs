using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Runtime;

/// <summary>
/// An Akka.NET <see cref="ActorSystem"/> run by Akka.Hosting inside a Microsoft.Extensions.Hosting host, with Akka's
/// own log events sent to the process's <see cref="ILoggerFactory"/> (one stream for Akka's and our logs).
/// Disposing stops the host, which runs Akka's coordinated shutdown.
/// </summary>
public sealed class ActorSystemHost : IAsyncDisposable
{
    /// <summary>
    /// Akka settings every process uses before any of the user's: no CLR exit hook (the commands own the process's
    /// signals and stop order), no dead-letter chatter for the stale messages our actors drop on purpose.
    /// </summary>
    public const string BaseHocon = """
        akka {
          loglevel = INFO
          stdout-loglevel = OFF
          log-dead-letters = off
          log-dead-letters-during-shutdown = off
          coordinated-shutdown.run-by-clr-shutdown-hook = off
          coordinated-shutdown.exit-clr = off
        }
        """;

    private readonly IHost _host;

    private ActorSystemHost(IHost host, ActorSystem system)
    {
        _host = host;
        System = system;
    }

    /// <summary>The running actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>
    /// Starts an actor system named <paramref name="name"/>; <paramref name="hocon"/> (an <c>akka { }</c> section, may
    /// be empty) comes after <see cref="BaseHocon"/> and wins over it.
    /// </summary>
    public static async Task<ActorSystemHost> StartAsync(string name, ILoggerFactory loggerFactory, string? hocon = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddAkka(name, akka =>
        {
            // Prepended, so it wins over Akka.Hosting's own defaults (appended, it lost to them: the CLR exit hook stayed
            // on and, at exit, printed "CoordinatedShutdown invoked due to ClrExitReason" through Akka's stdout logger,
            // a non-JSON line in a --log-format json stream). The user's section is prepended after it and wins over both.
            akka.AddHocon(BaseHocon, HoconAddMode.Prepend);
            if (!string.IsNullOrWhiteSpace(hocon))
            {
                akka.AddHocon(hocon, HoconAddMode.Prepend);
            }
            akka.ConfigureLoggers(loggers =>
            {
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            });
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new ActorSystemHost(host, host.Services.GetRequiredService<ActorSystem>());
    }

    /// <summary>
    /// A plain actor system (no host) with the same settings and the same log bridge, for a part that runs on its own
    /// (a <see cref="Connections.ConnectionManager"/> made outside a process's composition root); terminate it to stop.
    /// </summary>
    public static ActorSystem CreateStandalone(string name, ILoggerFactory loggerFactory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var config = Akka.Configuration.ConfigurationFactory.ParseString(
            BaseHocon + "\nakka.loggers = [\"Akka.Hosting.Logging.LoggerFactoryLogger, Akka.Hosting\"]");
        var setup = BootstrapSetup.Create().WithConfig(config).And(new Akka.Hosting.Logging.LoggerFactorySetup(loggerFactory));
        return ActorSystem.Create(name, setup);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        _host.Dispose();
    }
}
