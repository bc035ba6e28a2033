using System.CommandLine;
using Coordinators.Host.Commands;

namespace Coordinators.Host;

internal static class Program
{
    public static Task<int> Main(string[] args) => CreateRootCommand().Parse(args).InvokeAsync();

    /// <summary>The command tree; each command lives in its own file under Commands/ and is added here with one line.</summary>
    internal static RootCommand CreateRootCommand()
    {
        var root = new RootCommand(
            "coordinators: keeps a distributed system's coordinators highly available (primary-backup over etcd, MEP 30) "
            + "and its components connected (ConnectionManager, MEP 2).");
        root.Subcommands.Add(ConfigCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(ProbeCommand.Create());
        root.Subcommands.Add(StandaloneCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ChaosCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        return root;
    }
}
