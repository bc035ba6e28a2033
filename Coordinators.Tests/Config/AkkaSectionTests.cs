using Coordinators.Actors.Config;
using Coordinators.Actors.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coordinators.Tests.Config;

/// <summary>An <c>akka { }</c> section of our HOCON file reaches the ActorSystem, over the project's defaults.</summary>
public sealed class AkkaSectionTests
{
    [Fact]
    public async Task AkkaSection_Values_ReachTheActorSystemOverTheDefaults()
    {
        using var files = new TempFiles();
        var path = files.Write("app.conf", """
            coordinators { root = "x" }
            akka {
              loglevel = DEBUG
              log-dead-letters = 10
              actor.default-dispatcher.throughput = 7
            }
            """);
        var options = CoordinatorsConfiguration.Load(path, [], new Dictionary<string, string>()).Options;
        Assert.NotNull(options.AkkaHocon);

        await using var host = await ActorSystemHost.StartAsync("akka-section", NullLoggerFactory.Instance, options.AkkaHocon);
        var config = host.System.Settings.Config;
        Assert.Equal("DEBUG", config.GetString("akka.loglevel"));
        Assert.Equal(10, config.GetInt("akka.log-dead-letters"));
        Assert.Equal(7, config.GetInt("akka.actor.default-dispatcher.throughput"));
        // A project default the file did not touch stays.
        Assert.Equal("OFF", config.GetString("akka.stdout-loglevel"));
    }

    [Fact]
    public void AkkaSection_None_IsNull()
    {
        using var files = new TempFiles();
        var path = files.Write("app.conf", "coordinators { root = \"x\" }");
        Assert.Null(CoordinatorsConfiguration.Load(path, [], new Dictionary<string, string>()).Options.AkkaHocon);
    }
}
