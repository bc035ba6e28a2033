using System.CommandLine;

namespace Coordinators.Host.Commands;

/// <summary><c>coordinators config print</c>: the effective configuration after files, environment and switches.</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var config = new Command("config", "Inspect the configuration");
        var print = new Command("print", "Print the effective configuration as key = value lines, with where each value came from; secrets are masked");
        var switches = new ConfigurationSwitches();
        switches.AddTo(print);
        print.SetAction(result => Print(result, switches));
        config.Subcommands.Add(print);
        return config;
    }

    private static int Print(ParseResult result, ConfigurationSwitches switches)
    {
        if (!switches.TryLoad(result, out var loaded))
        {
            return ExitCodes.BadConfiguration;
        }

        var output = result.InvocationConfiguration.Output;
        output.WriteLine($"# effective configuration; file: {loaded.ConfigFile ?? "(none, defaults)"}");
        var lines = loaded.Describe();
        var width = lines.Max(l => l.Key.Length + l.Value.Length + 3);
        foreach (var (key, value, origin) in lines)
        {
            var assignment = $"{key} = {value}";
            output.WriteLine($"{assignment.PadRight(width)}  # {origin}");
        }
        if (loaded.Options.AkkaHocon is { } akka)
        {
            // Handed to the ActorSystem over the project's Akka defaults (Runtime/ActorSystemHost.BaseHocon).
            output.WriteLine("# akka section, handed to Akka.NET:");
            output.Write(akka);
        }

        return ExitCodes.Ok;
    }
}
