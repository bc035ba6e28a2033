using System.Text.Json.Nodes;
using Coordinators.Actors.Etcd;
using Coordinators.Tests.Fixtures;

namespace Coordinators.Tests.Demo;

/// <summary>
/// Runs `coordinators demo` as a real process: a private etcd, 15 children, a workload and real signals. The
/// quick fault list (one SIGTERM, one SIGKILL of a primary, one node kill) keeps it near a minute on two cores.
/// </summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class DemoEndToEndTests : IDisposable
{
    private static readonly string[] InvariantNames =
        ["single-primary", "epoch-plus-one-per-takeover", "no-call-lost", "every-process-back", "every-fault-recovered",
         "tso-monotonic", "ids-unique", "meta-intact"];

    private readonly string _out = Path.Combine(Path.GetTempPath(), "coordinators-demo-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task Demo_QuickFaults_ExitsZeroWithInvariantsHeldAndNoProcessLeft()
    {
        var result = await HostRunner.RunAsync(["demo", "--ttl", "2s", "--faults", "quick", "--seed", "7", "--out", _out, "--plain"], TimeSpan.FromSeconds(150));

        var report = ReadReport();
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n--- stdout ---\n{result.StandardOutput}\n--- stderr ---\n{result.StandardError}");
        Assert.Equal(0, report["exitCode"]!.GetValue<int>());
        Assert.True(report["passed"]!.GetValue<bool>());
        Assert.False(report["interrupted"]!.GetValue<bool>());
        var invariants = report["invariants"]!.AsArray();
        Assert.Equal(InvariantNames, invariants.Select(i => i!["name"]!.GetValue<string>()));
        Assert.All(invariants, i => Assert.True(i!["passed"]!.GetValue<bool>(), i["name"] + ": " + i["detail"]));
        // Single-primary rests on the calls too: each carried the term of the primary that answered it.
        var singlePrimary = invariants[0]!["detail"]!.GetValue<string>();
        var withTerm = System.Text.RegularExpressions.Regex.Match(singlePrimary, @"; (\d+) calls answered with their primary's term");
        Assert.True(withTerm.Success && int.Parse(withTerm.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 1000, singlePrimary);
        var faults = report["faults"]!.AsArray();
        Assert.Equal(["SigTerm", "SigKill", "NodeKill"], faults.Select(f => f!["kind"]!.GetValue<string>()));
        Assert.All(faults, f => Assert.Null(f!["problem"]?.GetValue<string>()));
        Assert.All(faults.Take(2), f => Assert.Equal(f!["epochBefore"]!.GetValue<long>() + 1, f["epochAfter"]!.GetValue<long>()));
        Assert.True(report["workload"]!["calls"]!.GetValue<int>() > 1000, "the workload made too few calls");
        // Primary failovers lose no call (wait-for-primary); a node kill may fail calls routed to that very node only.
        Assert.All(faults.Take(2), f => Assert.Equal(0, f!["callsFailed"]!.GetValue<int>()));
        Assert.Equal(faults[2]!["callsFailed"]!.GetValue<int>(), faults[2]!["callsFailedAtKilledNode"]!.GetValue<int>());
        Assert.Equal(15, report["processes"]!.AsArray().Count);
        // Every child served /metrics to the end: one primary per coordinator role, and the proxy's routed calls counted.
        var metrics = report["metrics"]!.AsObject();
        Assert.Equal(15, metrics.Count);
        Assert.All(metrics, m => Assert.Null(m.Value!["error"]));
        Assert.Equal(4, metrics.Sum(m => m.Value!["primary"]!.GetValue<double>()));
        Assert.True(metrics.Where(m => m.Key.StartsWith("proxy", StringComparison.Ordinal)).Sum(m => m.Value!["calls"]!.GetValue<double>()) > 1000);
        Assert.All(metrics, m => Assert.True(File.Exists(Path.Combine(_out, "metrics", m.Key + ".prom")), m.Key));
        AssertNoProcessLeft(report);
        Assert.StartsWith("<svg", await File.ReadAllTextAsync(Path.Combine(_out, "timeline.svg")), StringComparison.Ordinal);
        Assert.Contains("PASSED", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_SigintAfterClusterReady_Exits130AndStopsEveryProcess()
    {
        // With faults to run, the demo is busy for a minute after "cluster ready": the signal lands mid-run even when
        // a loaded machine delays it by seconds. (With no faults the run could end on its own first.)
        await using var demo = HostRunner.Start(["demo", "--ttl", "2s", "--faults", "quick", "--out", _out, "--plain"]);
        await demo.WaitForLineAsync(l => l.Contains("cluster ready", StringComparison.Ordinal), TimeSpan.FromSeconds(120));

        demo.Signal(UnixSignal.SIGINT);
        var exitCode = await demo.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(130, exitCode);
        var report = ReadReport();
        Assert.True(report["interrupted"]!.GetValue<bool>());
        Assert.Equal(130, report["exitCode"]!.GetValue<int>());
        AssertNoProcessLeft(report);
    }

    [Fact]
    public async Task Demo_OnAUsersEtcd_NoFaults_PassesAndRemovesItsKeys()
    {
        await using var cluster = await EtcdCluster.StartSingleAsync();
        using var etcd = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls });
        await etcd.PutAsync("app/unrelated", "stays");

        var result = await HostRunner.RunAsync(["demo", "--ttl", "2s", "--faults", "none", "--etcd", string.Join(',', cluster.ClientUrls), "--out", _out, "--plain"], TimeSpan.FromSeconds(120));

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n--- stdout ---\n{result.StandardOutput}\n--- stderr ---\n{result.StandardError}");
        var report = ReadReport();
        var root = report["options"]!["root"]!.GetValue<string>();
        Assert.False(report["etcd"]!["embedded"]!.GetValue<bool>());
        var cleanup = report["events"]!.AsArray().Single(e => e!["kind"]!.GetValue<string>() == "etcd-cleanup")!["data"]!;
        Assert.Equal(root + "/", cleanup["prefix"]!.GetValue<string>());
        // At least the four epochs and the ServerID counter were written, and nothing of the run is left.
        Assert.True(cleanup["deleted"]!.GetValue<long>() >= 5, $"deleted {cleanup["deleted"]} keys");
        Assert.Empty((await etcd.GetPrefixAsync(root + "/")).Kvs);
        Assert.Equal("stays", Assert.Single((await etcd.GetAsync("app/unrelated")).Kvs).Value.ToStringUtf8());
        Assert.Contains($"removed the demo's {cleanup["deleted"]} key(s) under {root}/ from etcd", result.StandardOutput, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_out, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private JsonObject ReadReport()
    {
        var path = Path.Combine(_out, "report.json");
        Assert.True(File.Exists(path), "no report.json was written");
        return JsonNode.Parse(File.ReadAllText(path))!.AsObject();
    }

    private static void AssertNoProcessLeft(JsonObject report)
    {
        var pids = report["processes"]!.AsArray().SelectMany(p => p!["pids"]!.AsArray().Select(x => x!.GetValue<int>())).ToList();
        var etcdPid = report["events"]!.AsArray().First(e => e!["kind"]!.GetValue<string>() == "etcd")!["data"]!["pid"]!.GetValue<int>();
        pids.Add(etcdPid);
        Assert.True(pids.Count >= 16, $"only {pids.Count} pids recorded");
        Assert.Empty(report["survivingPids"]!.AsArray());
        Assert.DoesNotContain(pids, p => Directory.Exists($"/proc/{p}"));
    }
}
