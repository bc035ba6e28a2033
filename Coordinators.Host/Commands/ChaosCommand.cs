using System.CommandLine;
using Coordinators.Actors.Config;
using Coordinators.Host.Chaos;
using Coordinators.Host.Demo;

namespace Coordinators.Host.Commands;

/// <summary>
/// <c>coordinators chaos</c>: three etcd members, 3 rootcoord and 2 datacoord (and the rest of a cluster), seeded
/// faults one at a time, observed from outside; exit 0 only when every check holds.
/// </summary>
internal static class ChaosCommand
{
    public static Command Create()
    {
        var duration = new Option<string>("--duration") { Description = "how long faults are injected once the cluster settled", HelpName = "DURATION", DefaultValueFactory = _ => "60s" };
        var seed = new Option<int>("--seed") { Description = "seed of the fault schedule (the same seed gives the same schedule)", DefaultValueFactory = _ => 1 };
        var ttl = new Option<string>("--ttl") { Description = "session lease TTL of every process (etcd's floor is 2s)", HelpName = "DURATION", DefaultValueFactory = _ => "2s" };
        var outDir = new Option<string>("--out") { Description = "folder for logs, etcd data, report.json and timeline.svg", HelpName = "DIR", DefaultValueFactory = _ => "chaos-out" };
        var partitions = new Option<string>("--partitions") { Description = "network partitions (namespaces + nftables, needs root): auto = when the machine allows it, on, off", HelpName = "auto|on|off", DefaultValueFactory = _ => "auto" };
        var faults = new Option<string>("--faults") { Description = "fault kinds to draw from, comma-separated: all, or e.g. etcd-kill,etcd-leader-stop (see the README)", HelpName = "KINDS", DefaultValueFactory = _ => "all" };
        var command = new Command("chaos", "Run a cluster on a 3-member etcd, inject seeded faults (processes, etcd, network partitions), observe it from outside and check it")
        {
            duration, seed, ttl, outDir, partitions, faults,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var error = result.InvocationConfiguration.Error;
            if (!Duration.TryParse(result.GetValue(ttl), out var ttlValue) || ttlValue < TimeSpan.FromSeconds(2) || ttlValue.Ticks % TimeSpan.TicksPerSecond != 0)
            {
                error.WriteLine($"coordinators chaos: --ttl must be whole seconds, at least 2s (got '{result.GetValue(ttl)}')");
                return Task.FromResult(ExitCodes.BadConfiguration);
            }
            if (!Duration.TryParse(result.GetValue(duration), out var durationValue) || durationValue <= TimeSpan.Zero)
            {
                error.WriteLine($"coordinators chaos: --duration must be a positive duration such as 60s or 5m (got '{result.GetValue(duration)}')");
                return Task.FromResult(ExitCodes.BadConfiguration);
            }
            if (!Enum.TryParse<PartitionMode>(result.GetValue(partitions), ignoreCase: true, out var mode) || !Enum.IsDefined(mode))
            {
                error.WriteLine($"coordinators chaos: --partitions must be auto, on or off (got '{result.GetValue(partitions)}')");
                return Task.FromResult(ExitCodes.BadConfiguration);
            }
            if (ChaosFaultKinds.Parse(result.GetValue(faults)!, out var faultsError) is not { } kinds)
            {
                error.WriteLine($"coordinators chaos: --faults: {faultsError}");
                return Task.FromResult(ExitCodes.BadConfiguration);
            }
            var options = new ChaosOptions { Duration = durationValue, Seed = result.GetValue(seed), Ttl = ttlValue, OutDir = result.GetValue(outDir)!, Partitions = mode, Faults = kinds };
            return RunAsync(options, result.InvocationConfiguration.Output, error, cancellationToken);
        });
        return command;
    }

    private static Task<int> RunAsync(ChaosOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var orchestrator = new ChaosOrchestrator(options, output);
        return SupervisedRun.RunAsync(async stop =>
        {
            try
            {
                var code = await orchestrator.RunAsync(stop).ConfigureAwait(false);
                await output.WriteLineAsync().ConfigureAwait(false);
                await output.WriteAsync(ChaosSummary.Markdown(orchestrator.Summary)).ConfigureAwait(false);
                foreach (var c in orchestrator.Checks)
                {
                    await output.WriteLineAsync($"{(c.Passed ? "ok  " : "FAIL")} {c.Name}: {c.Detail}").ConfigureAwait(false);
                }
                await output.WriteLineAsync((code == 0 ? "PASSED" : "FAILED")
                    + (orchestrator.ReportWritten ? $" — report {Path.Combine(Path.GetFullPath(options.OutDir), "report.json")}" : " — the run did not start; no report")).ConfigureAwait(false);
                return code;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                await error.WriteLineAsync("coordinators chaos: interrupted").ConfigureAwait(false);
                return DemoOrchestrator.Interrupted;
            }
        }, orchestrator.KillEverything, cancellationToken);
    }
}
