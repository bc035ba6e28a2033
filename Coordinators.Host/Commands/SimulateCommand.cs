using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Coordinators.Simulation;

namespace Coordinators.Host.Commands;

/// <summary>
/// <c>coordinators simulate --seed N --failovers K [--processes P]</c> (or <c>--seeds A-B</c>): runs the real
/// election actors against the model etcd with seeded faults and prints one line per seed,
/// <c>seed=N failovers=K steps=S violations=V trace-hash=H</c>; a violation prints its report (seed, step, the last
/// events). <c>--no-lease-guard</c> / <c>--no-fence</c> turn one protection off to show the simulator finds the
/// fault. Exit 0 without violations, 1 with.
/// </summary>
internal static class SimulateCommand
{
    private const int ViolationsFound = 1;

    public static Command Create()
    {
        var command = new Command("simulate", "Run the election deterministically against a model etcd with faults; replay any seed");
        var seed = new Option<int?>("--seed") { Description = "the seed to run", HelpName = "N" };
        var seeds = new Option<string?>("--seeds") { Description = "a range of seeds, e.g. 1-1000", HelpName = "A-B" };
        var failovers = new Option<int>("--failovers") { Description = "failovers per seed", HelpName = "K", DefaultValueFactory = _ => 100 };
        var processes = new Option<int>("--processes") { Description = "processes of the role", HelpName = "P", DefaultValueFactory = _ => 3 };
        var noGuard = new Option<bool>("--no-lease-guard") { Description = "check of the simulator: primaries ignore their lease guard" };
        var noFence = new Option<bool>("--no-fence") { Description = "check of the simulator: the model accepts fenced writes without the term compare" };
        var quiet = new Option<bool>("--quiet") { Description = "with --seeds, print only violating seeds and the total" };
        var trace = new Option<bool>("--trace") { Description = "print every event of the run (to replay a seed step by step)" };
        foreach (var o in new Option[] { seed, seeds, failovers, processes, noGuard, noFence, quiet, trace })
        {
            command.Options.Add(o);
        }
        command.SetAction((result, _) =>
        {
            var output = result.InvocationConfiguration.Output;
            var error = result.InvocationConfiguration.Error;
            if (!TryRange(result.GetValue(seed), result.GetValue(seeds), out var from, out var to, out var problem))
            {
                error.WriteLine("coordinators simulate: " + problem);
                return Task.FromResult(ExitCodes.BadConfiguration);
            }
            var options = new SimulationOptions
            {
                Failovers = result.GetValue(failovers),
                Processes = result.GetValue(processes),
                GuardDisabled = result.GetValue(noGuard),
                FenceDisabled = result.GetValue(noFence),
                TraceSink = result.GetValue(trace) ? output.WriteLine : null,
            };
            if (options.Failovers < 1 || options.Processes < 1)
            {
                error.WriteLine($"coordinators simulate: --failovers ({options.Failovers}) and --processes ({options.Processes}) must be at least 1");
                return Task.FromResult(ExitCodes.BadConfiguration);
            }
            return Task.FromResult(Run(output, from, to, options, result.GetValue(quiet)));
        });
        return command;
    }

    private static int Run(TextWriter output, int from, int to, SimulationOptions options, bool quiet)
    {
        using var simulator = new Simulator();
        var clock = Stopwatch.StartNew();
        long failovers = 0;
        var violations = 0;
        var slowest = TimeSpan.Zero;
        for (var s = from; s <= to; s++)
        {
            var r = simulator.Run(s, options);
            failovers += r.Failovers;
            violations += r.Violations;
            slowest = r.Recovery > slowest ? r.Recovery : slowest;
            if (!quiet || r.Violations > 0)
            {
                output.WriteLine(r.Summary);
            }
            if (r.Report is { } report)
            {
                output.WriteLine(report);
            }
        }
        if (to > from)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"seeds={from}-{to} failovers={failovers} violations={violations} slowest-recovery={slowest.TotalMilliseconds:0}ms wall={clock.Elapsed.TotalSeconds:0.0}s ({failovers / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):0} failovers/s)"));
        }
        return violations == 0 ? ExitCodes.Ok : ViolationsFound;
    }

    private static bool TryRange(int? seed, string? seeds, out int from, out int to, out string problem)
    {
        from = to = 0;
        problem = "";
        if (seed is not null == seeds is not null)
        {
            problem = "give exactly one of --seed N and --seeds A-B";
            return false;
        }
        if (seed is { } one)
        {
            from = to = one;
            return true;
        }
        var parts = seeds!.Split('-');
        if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out from) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out to) || to < from)
        {
            problem = $"--seeds '{seeds}' is not a range such as 1-1000";
            return false;
        }
        return true;
    }
}
