using System.CommandLine;
using Coordinators.Actors.Config;
using Coordinators.Host.Demo;
using Spectre.Console;

namespace Coordinators.Host.Commands;

/// <summary>
/// <c>coordinators demo</c>: a whole cluster on a private etcd, a workload through the proxy, faults injected
/// into the primaries and nodes, failover measured, invariants checked; exit 0 only when all hold.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var ttl = new Option<string>("--ttl") { Description = "session lease TTL of every process (etcd's floor is 2s)", HelpName = "DURATION", DefaultValueFactory = _ => "2s" };
        var replicas = new Option<int>("--replicas") { Description = "processes per coordinator role (one primary, the rest standbys)", DefaultValueFactory = _ => 2 };
        var outDir = new Option<string>("--out") { Description = "folder for logs, etcd data, report.json and timeline.svg", HelpName = "DIR", DefaultValueFactory = _ => "demo-out" };
        var seed = new Option<int>("--seed") { Description = "seed of the fault order", DefaultValueFactory = _ => 1 };
        var etcd = new Option<string?>("--etcd") { Description = "use this etcd (comma-separated endpoints) instead of starting a private one; the run's keys (root demo-XXXXXXXX/) are deleted at the end", HelpName = "URL" };
        var faults = new Option<string>("--faults") { Description = "faults to inject: " + FaultPlan.Help, DefaultValueFactory = _ => "all" };
        var plain = new Option<bool>("--plain") { Description = "print progress lines instead of the live table even on a terminal" };
        var command = new Command("demo", "Run a whole cluster on an embedded etcd, inject faults, show failover live and check the invariants")
        {
            ttl, replicas, outDir, seed, etcd, faults, plain,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var error = result.InvocationConfiguration.Error;
            if (!Duration.TryParse(result.GetValue(ttl), out var ttlValue) || ttlValue < TimeSpan.FromSeconds(2) || ttlValue.Ticks % TimeSpan.TicksPerSecond != 0)
            {
                error.WriteLine($"coordinators demo: --ttl must be whole seconds, at least 2s (got '{result.GetValue(ttl)}')");
                return Task.FromResult(ExitCodes.BadConfiguration);
            }
            if (result.GetValue(replicas) is < 1 or > 5)
            {
                error.WriteLine("coordinators demo: --replicas must be between 1 and 5");
                return Task.FromResult(ExitCodes.BadConfiguration);
            }
            try
            {
                FaultPlan.Create(result.GetValue(faults)!, 0);
            }
            catch (ArgumentException e)
            {
                error.WriteLine("coordinators demo: --faults: " + e.Message);
                return Task.FromResult(ExitCodes.BadConfiguration);
            }
            var options = new DemoOptions
            {
                Ttl = ttlValue,
                Replicas = result.GetValue(replicas),
                OutDir = result.GetValue(outDir)!,
                Seed = result.GetValue(seed),
                EtcdEndpoints = result.GetValue(etcd),
                Faults = result.GetValue(faults)!,
                Interactive = !result.GetValue(plain) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive,
            };
            if (!options.Interactive)
            {
                // Logs and pipes get plain text, wide enough that the final tables do not wrap.
                AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
                {
                    Ansi = AnsiSupport.No,
                    ColorSystem = ColorSystemSupport.NoColors,
                    Interactive = InteractionSupport.No,
                    Out = new AnsiConsoleOutput(Console.Out),
                });
                AnsiConsole.Profile.Width = 160;
            }
            return RunAsync(options, error, cancellationToken);
        });
        return command;
    }

    private static Task<int> RunAsync(DemoOptions options, TextWriter error, CancellationToken cancellationToken)
    {
        var orchestrator = new DemoOrchestrator(options, error);
        return SupervisedRun.RunAsync(async stop =>
        {
            try
            {
                var code = await orchestrator.RunAsync(stop).ConfigureAwait(false);
                PrintSummary(orchestrator.Result!, options);
                return code;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                await error.WriteLineAsync("coordinators demo: interrupted").ConfigureAwait(false);
                return DemoOrchestrator.Interrupted;
            }
            catch (FileNotFoundException e)
            {
                await error.WriteLineAsync("coordinators demo: " + e.Message).ConfigureAwait(false);
                return DemoOrchestrator.Failed;
            }
        }, orchestrator.KillEverything, cancellationToken);
    }

    private static void PrintSummary(DemoRun run, DemoOptions options) => DemoSummary.Print(run, Path.GetFullPath(options.OutDir));
}
