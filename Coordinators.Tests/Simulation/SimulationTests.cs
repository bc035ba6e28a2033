using System.Diagnostics;
using System.Text.RegularExpressions;
using Coordinators.Simulation;
using Xunit.Abstractions;

namespace Coordinators.Tests.Simulation;

/// <summary>
/// The deterministic simulation of the election: the real SessionActor and CoordinatorActor against the model etcd with faults. The
/// safety and liveness invariants hold over 100,000 failovers; with the lease guard or the fence switched off the
/// simulator finds the violation those protect against; a seed replays to the same trace hash.
/// </summary>
// In the serial collection: the simulation keeps both cores busy for half a minute, which must not overlap the timing
// of the real-etcd and real-process tests.
[Collection(Coordinators.Tests.Fixtures.IntegrationCollection.Name)]
public sealed class SimulationTests(ITestOutputHelper output)
{
    [Fact]
    public void HundredThousandFailovers_AcrossSeeds_NoViolationInUnderTwoMinutes()
    {
        // One simulator (its own actor system) per core, each taking the next seed: seeds are independent and each is
        // deterministic, so the cores split the work and share only the tally.
        var options = new SimulationOptions { Failovers = 100 };
        var clock = Stopwatch.StartNew();
        var tally = new Tally(100_000);
        var workers = Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount)).Select(_ => new Thread(() => RunSeeds(tally, options))).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Assert.True(tally.Problems.IsEmpty, string.Join("\n\n", tally.Problems));
        Assert.True(tally.Failovers >= 100_000, $"{tally.Failovers} failovers");
        output.WriteLine($"{tally.Failovers} failovers over {tally.Seeds} seeds on {workers.Count} threads in {clock.Elapsed.TotalSeconds:0.0} s ({tally.Failovers / clock.Elapsed.TotalSeconds:0} failovers/s); slowest recovery after faults stopped {TimeSpan.FromTicks(tally.WorstRecoveryTicks).TotalMilliseconds:0} ms");
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"{tally.Failovers} failovers took {clock.Elapsed}");
    }

    /// <summary>What the seed threads add up; the fields are written with Interlocked only.</summary>
    private sealed class Tally(long target)
    {
        public long Target { get; } = target;
        public long Failovers;
        public int Seeds;
        public int NextSeed;
        public long WorstRecoveryTicks;
        public System.Collections.Concurrent.ConcurrentQueue<string> Problems { get; } = new();
    }

    /// <summary>Runs the next seed until the tally reaches its target or any seed fails (an exception is reported, never thrown: it would end the test process).</summary>
    private static void RunSeeds(Tally tally, SimulationOptions options)
    {
        var seed = 0;
        try
        {
            using var simulator = new Simulator();
            while (Interlocked.Read(ref tally.Failovers) < tally.Target && tally.Problems.IsEmpty)
            {
                seed = Interlocked.Increment(ref tally.NextSeed);
                var result = simulator.Run(seed, options);
                if (result.Violations != 0)
                {
                    tally.Problems.Enqueue(result.Report ?? $"seed {seed}: {result.Violations} violation(s)");
                    return;
                }
                Interlocked.Add(ref tally.Failovers, result.Failovers);
                Interlocked.Increment(ref tally.Seeds);
                long worst;
                do
                {
                    worst = Interlocked.Read(ref tally.WorstRecoveryTicks);
                }
                while (result.Recovery.Ticks > worst && Interlocked.CompareExchange(ref tally.WorstRecoveryTicks, result.Recovery.Ticks, worst) != worst);
            }
        }
        catch (Exception e)
        {
            tally.Problems.Enqueue($"seed {seed} threw: {e}");
        }
    }

    [Fact]
    public void LeaseGuardOff_WithinAThousandSeeds_FindsTwoPrimaries()
    {
        var found = FirstViolation(new SimulationOptions { Failovers = 20, GuardDisabled = true });

        Assert.Contains("two processes believe they are primary", found.Report, StringComparison.Ordinal);
    }

    [Fact]
    public void FenceOff_WithinAThousandSeeds_FindsAWriteOfAnOldTermAccepted()
    {
        var found = FirstViolation(new SimulationOptions { Failovers = 20, FenceDisabled = true });

        Assert.Matches("fenced write of p[0-9]+ term [0-9]+ accepted (while the current term is|after one of term)", found.Report);
    }

    [Fact]
    public void SameSeed_RunTwice_SameTraceHashAndSummary()
    {
        var options = new SimulationOptions { Failovers = 50 };
        using var first = new Simulator();
        var a = first.Run(42, options);
        var b = first.Run(42, options);
        using var second = new Simulator();
        var c = second.Run(42, options);
        var other = second.Run(43, options);

        Assert.Equal(a.Summary, b.Summary);
        Assert.Equal(a.Summary, c.Summary);
        Assert.NotEqual(a.TraceHash, other.TraceHash);
        output.WriteLine(a.Summary);
    }

    [Fact]
    public void Violation_Report_NamesSeedStepReplayCommandAndTheLastEvents()
    {
        using var simulator = new Simulator();
        var found = FirstViolation(new SimulationOptions { Failovers = 20, GuardDisabled = true });
        var replay = simulator.Run(found.Seed, new SimulationOptions { Failovers = 20, GuardDisabled = true });

        Assert.StartsWith($"VIOLATION seed={found.Seed} step={found.Steps} ", found.Report, StringComparison.Ordinal);
        Assert.Contains($"replay: coordinators simulate --seed {found.Seed} --failovers 20 --processes 3 --no-lease-guard", found.Report, StringComparison.Ordinal);
        Assert.Contains("is primary, term", found.Report, StringComparison.Ordinal);
        Assert.Equal(found.Summary, replay.Summary);
        Assert.Equal(found.Report, replay.Report);
    }

    [Fact]
    public void OwnSessionKeyWatch_ResumedBelowACompactionAndCancelledByTheServer_Seed12_SessionKept()
    {
        // Seed 12: the own-key watch of a rootcoord session is cancelled by the (model) server once, and once resumes from a
        // revision a compaction has passed. Neither says anything about the key, which is still there: the session must
        // not be given up for either ("session lost: watch of own session key failed"). The compaction case was found as
        // seed 1 and then seed 4 (schedules move as the actors change); the cancel case gave sessions up on seeds
        // 4/10/12/15/22 until the watch was re-read and resumed after a cancel too.
        var lines = new List<string>();
        using var simulator = new Simulator();
        var result = simulator.Run(12, new SimulationOptions { Failovers = 20, TraceSink = lines.Add });

        Assert.Equal(0, result.Violations);
        Assert.Contains(lines, l => Regex.IsMatch(l, "watch of /sim/session/rootcoord-[0-9]+ from [0-9]+ refused: compacted"));
        Assert.Contains(lines, l => Regex.IsMatch(l, "watch of /sim/session/rootcoord-[0-9]+ from [0-9]+ cancelled by the server"));
        Assert.DoesNotContain(lines, l => l.Contains("session lost: watch of own session key failed", StringComparison.Ordinal));
    }

    private SimulationResult FirstViolation(SimulationOptions options)
    {
        using var simulator = new Simulator();
        for (var seed = 1; seed <= 1000; seed++)
        {
            var result = simulator.Run(seed, options);
            if (result.Violations > 0)
            {
                output.WriteLine(result.Summary);
                output.WriteLine(result.Report);
                return result;
            }
        }
        Assert.Fail("no violation within 1,000 seeds: the simulation cannot see what this switch turns off");
        return null!;
    }
}
