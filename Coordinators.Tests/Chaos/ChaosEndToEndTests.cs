using System.Text.Json.Nodes;
using Coordinators.Tests.Fixtures;

namespace Coordinators.Tests.Chaos;

/// <summary>
/// Runs `coordinators chaos --duration 60s --seed 37 --ttl 2s` as a real process: three etcd members, eleven children,
/// seeded process and etcd faults, and checks its exit code and report.
/// </summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ChaosEndToEndTests : IDisposable
{
    private static readonly string[] CheckNames =
    [
        "single-primary", "term-never-back", "epoch-plus-one-per-takeover", "recovery-within-bound",
        "no-call-lost-outside-faults", "no-unexpected-exit", "every-process-back", "nothing-left-running", "network-removed",
        "tso-monotonic", "ids-unique", "meta-intact",
    ];

    private readonly string _out = Path.Combine(Path.GetTempPath(), "coordinators-chaos-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task Chaos_60sSeed37Ttl2s_ExitsZeroWithEveryCheckHeld()
    {
        var result = await HostRunner.RunAsync(["chaos", "--duration", "60s", "--seed", "37", "--ttl", "2s", "--out", _out], TimeSpan.FromSeconds(300));

        var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_out, "report.json")))!.AsObject();
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n--- stdout ---\n{result.StandardOutput}\n--- stderr ---\n{result.StandardError}");
        Assert.Equal("coordinators chaos", report["tool"]!.GetValue<string>());
        Assert.Equal(0, report["exitCode"]!.GetValue<int>());
        var checks = report["invariants"]!.AsArray();
        Assert.Equal(CheckNames, checks.Select(c => c!["name"]!.GetValue<string>()));
        Assert.All(checks, c => Assert.True(c!["passed"]!.GetValue<bool>(), c["name"] + ": " + c["detail"]));
        var faults = report["faults"]!.AsArray();
        Assert.True(faults.Count >= 2, $"only {faults.Count} faults in 60 s");
        Assert.All(faults, f => Assert.Null(f!["problem"]?.GetValue<string>()));
        // Every primary fault measured a takeover within the bound; the plan recorded is the schedule that ran.
        var bound = report["options"]!["recoveryBoundMs"]!.GetValue<double>();
        Assert.All(faults.Where(f => f!["kind"]!.GetValue<string>().StartsWith("Primary", StringComparison.Ordinal)),
            f => Assert.InRange(f!["takeoverMs"]!.GetValue<double>(), 0, bound));
        Assert.Equal(faults.Count, report["plan"]!.AsArray().Count);
        Assert.NotEmpty(report["summary"]!.AsArray());
        Assert.Empty(report["survivingPids"]!.AsArray());
        Assert.Equal(3, report["etcd"]!["members"]!.AsArray().Count);
        Assert.StartsWith("<svg", await File.ReadAllTextAsync(Path.Combine(_out, "timeline.svg")), StringComparison.Ordinal);
        Assert.Contains("PASSED", result.StandardOutput, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_out))
        {
            Directory.Delete(_out, recursive: true);
        }
    }
}
