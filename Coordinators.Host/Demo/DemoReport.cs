using System.Text.Json;
using System.Text.Json.Nodes;

namespace Coordinators.Host.Demo;

/// <summary>Everything a finished (or interrupted) run produced, ready to be written out.</summary>
internal sealed record DemoRun(
    DemoOptions Options,
    string EtcdEndpoint,
    bool EmbeddedEtcd,
    IReadOnlyList<DemoChild> Children,
    IReadOnlyList<Fault> Plan,
    IReadOnlyList<FaultResult> Faults,
    IReadOnlyList<InvariantResult> Invariants,
    IReadOnlyList<WorkloadSecond> Workload,
    IReadOnlyList<DemoEvent> Events,
    IReadOnlyList<int> SurvivingPids,
    double ClusterReadyMs,
    double EndMs,
    bool Interrupted,
    int ExitCode,
    DateTimeOffset StartedAt,
    JsonObject? Metrics = null);

/// <summary>
/// Writes DIR/report.json: the options, every process with all its pids, each fault's measurements, the
/// invariants with their evidence, per-second workload figures and every event with its timestamp.
/// </summary>
internal static class DemoReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static JsonObject ToJson(DemoRun run)
    {
        var o = run.Options;
        return new JsonObject
        {
            ["tool"] = "coordinators demo",
            ["startedAt"] = run.StartedAt.ToString("O"),
            ["durationMs"] = Math.Round(run.EndMs, 1),
            ["clusterReadyMs"] = Math.Round(run.ClusterReadyMs, 1),
            ["exitCode"] = run.ExitCode,
            ["interrupted"] = run.Interrupted,
            ["passed"] = !run.Interrupted && run.Invariants.Count > 0 && run.Invariants.All(i => i.Passed),
            ["options"] = new JsonObject
            {
                ["ttlMs"] = o.Ttl.TotalMilliseconds, ["replicas"] = o.Replicas, ["seed"] = o.Seed, ["faults"] = o.Faults,
                ["root"] = o.Root, ["out"] = Path.GetFullPath(o.OutDir), ["workloadLoops"] = o.WorkloadLoops, ["workloadRate"] = o.WorkloadRate,
            },
            ["etcd"] = new JsonObject { ["endpoint"] = run.EtcdEndpoint, ["embedded"] = run.EmbeddedEtcd },
            ["processes"] = new JsonArray(run.Children.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name, ["role"] = c.Role, ["port"] = c.ListenPort, ["log"] = c.LogFile,
                ["pids"] = new JsonArray(c.Pids.Select(p => (JsonNode)p).ToArray()),
            }).ToArray()),
            ["survivingPids"] = new JsonArray(run.SurvivingPids.Select(p => (JsonNode)p).ToArray()),
            ["plan"] = new JsonArray(run.Plan.Select(f => (JsonNode)new JsonObject { ["index"] = f.Index, ["kind"] = f.Kind.ToString(), ["role"] = f.Role }).ToArray()),
            ["faults"] = new JsonArray(run.Faults.Select(FaultJson).ToArray()),
            ["invariants"] = new JsonArray(run.Invariants.Select(i => (JsonNode)new JsonObject
            {
                ["name"] = i.Name, ["passed"] = i.Passed, ["detail"] = i.Detail,
            }).ToArray()),
            ["workload"] = new JsonObject
            {
                ["calls"] = run.Workload.Sum(s => s.Ok + s.Failed),
                ["failed"] = run.Workload.Sum(s => s.Failed),
                ["perSecond"] = new JsonArray(run.Workload.Select(s => (JsonNode)new JsonObject
                {
                    ["second"] = s.Second, ["ok"] = s.Ok, ["failed"] = s.Failed, ["meanMs"] = s.MeanLatencyMs, ["maxMs"] = s.MaxLatencyMs,
                }).ToArray()),
            },
            // Each running process's /metrics at the end of the run, summed per figure (the full text is in metrics/NAME.prom).
            ["metrics"] = run.Metrics?.DeepClone(),
            ["events"] = new JsonArray(run.Events.Select(e => (JsonNode)new JsonObject
            {
                ["atMs"] = e.AtMs, ["wall"] = e.Wall.ToString("O"), ["kind"] = e.Kind, ["process"] = e.Process,
                ["data"] = e.Data.DeepClone(),
            }).ToArray()),
        };
    }

    public static async Task WriteAsync(DemoRun run, string path)
    {
        var json = ToJson(run).ToJsonString(Indented);
        await File.WriteAllTextAsync(path, json).ConfigureAwait(false);
    }

    private static JsonNode FaultJson(FaultResult f) => new JsonObject
    {
        ["index"] = f.Fault.Index,
        ["kind"] = f.Fault.Kind.ToString(),
        ["label"] = f.Fault.Label,
        ["role"] = f.Fault.Role,
        ["target"] = f.Target,
        ["pid"] = f.Pid,
        ["serverId"] = f.ServerId,
        ["atMs"] = Math.Round(f.AtMs, 1),
        ["failoverMs"] = Round(f.FailoverMs),
        ["newPrimary"] = f.NewPrimary,
        ["sessionGoneMs"] = Round(f.SessionGoneMs),
        ["rejoinedMs"] = Round(f.RejoinedMs),
        ["epochBefore"] = f.EpochBefore,
        ["epochAfter"] = f.EpochAfter,
        ["epochOk"] = f.EpochOk,
        ["calls"] = f.Calls,
        ["callsFailed"] = f.CallsFailed,
        ["callsFailedAtKilledNode"] = f.CallsFailedAtVictim,
        ["worstLatencyMs"] = f.WorstLatencyMs,
        ["endMs"] = Math.Round(f.EndMs, 1),
        ["problem"] = f.Problem,
    };

    private static double? Round(double? v) => v is null ? null : Math.Round(v.Value, 1);
}
