using System.Text.Json;
using System.Text.Json.Nodes;
using Coordinators.Host.Demo;

namespace Coordinators.Host.Chaos;

/// <summary>
/// Writes DIR/report.json and DIR/timeline.svg of a chaos run. The report is the demo's (processes, events, workload,
/// checks) with the chaos options, the etcd members, every chaos fault and the summary table added.
/// </summary>
internal static class ChaosReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task WriteAsync(DemoRun run, ChaosOptions options, EtcdTrio etcd, IReadOnlyList<ChaosFault> schedule, IReadOnlyList<ChaosFaultResult> faults, string outDir, JsonObject partitions)
    {
        var json = DemoReport.ToJson(run);
        json["tool"] = "coordinators chaos";
        json["options"] = new JsonObject
        {
            ["durationMs"] = options.Duration.TotalMilliseconds, ["seed"] = options.Seed, ["ttlMs"] = options.Ttl.TotalMilliseconds,
            ["recoveryBoundMs"] = options.RecoveryBound.TotalMilliseconds, ["root"] = options.Root, ["out"] = Path.GetFullPath(options.OutDir),
            ["partitions"] = options.Partitions.ToString().ToLowerInvariant(),
        };
        json["partitions"] = partitions;
        json["etcd"] = new JsonObject { ["members"] = new JsonArray(etcd.ClientUrls.Select(u => (JsonNode)u).ToArray()) };
        json["plan"] = new JsonArray(schedule.Select(f => (JsonNode)new JsonObject
        {
            ["index"] = f.Index, ["kind"] = f.Kind.ToString(), ["role"] = f.Role, ["member"] = f.EtcdMember, ["gapMs"] = f.GapMs, ["partitionMs"] = f.PartitionMs,
        }).ToArray());
        json["faults"] = new JsonArray(faults.Select(FaultJson).ToArray());
        json["summary"] = ChaosSummary.Json(ChaosSummary.Rows(faults));
        await File.WriteAllTextAsync(Path.Combine(outDir, "report.json"), json.ToJsonString(Indented)).ConfigureAwait(false);
        var lines = faults.Select(f => new TimelineFault(f.Fault.Index, f.AtMs, f.Target, Legend(f), f.Problem is null && f.EpochOk)).ToList();
        await File.WriteAllTextAsync(Path.Combine(outDir, "timeline.svg"), TimelineSvg.Render(run, lines, "coordinators chaos")).ConfigureAwait(false);
    }

    /// <summary>One line per fault, for the console and the timeline's legend.</summary>
    public static string Legend(ChaosFaultResult f) =>
        $"{f.Fault.Index}. {f.AtMs / 1000:F1} s  {f.Fault.Label} {f.Fault.Role ?? ""} ({f.Target}): "
        + (f.ServedUntilMs is { } su ? $"served until {su:F0} ms, " : "")
        + (f.StoppedServingMs is { } st ? $"stopped serving {st:F0} ms, " : "")
        + (f.TakeoverMs is { } t ? $"takeover {t:F0} ms, " : "")
        + (f.HealedAtMs is { } h ? $"healed at {h - f.AtMs:F0} ms, " : "")
        + (f.ClientsBackMs is { } cb ? $"clients back {cb:F0} ms after, " : "")
        + $"longest without primary {f.LongestWithoutPrimaryMs:F0} ms ({f.WorstRole}), takeovers [{string.Join(",", f.Takeovers)}], "
        + $"{f.CallsFailed}/{f.Calls} calls failed" + (f.Problem is null ? "" : " — " + f.Problem);

    private static double? Round(double? v) => v is null ? null : Math.Round(v.Value, 1);

    private static JsonNode FaultJson(ChaosFaultResult f) => new JsonObject
    {
        ["index"] = f.Fault.Index,
        ["kind"] = f.Fault.Kind.ToString(),
        ["label"] = f.Fault.Label,
        ["role"] = f.Fault.Role,
        ["target"] = f.Target,
        ["atMs"] = Math.Round(f.AtMs, 1),
        ["endMs"] = Math.Round(f.EndMs, 1),
        ["takeoverMs"] = f.TakeoverMs is { } t ? Math.Round(t, 1) : null,
        ["longestWithoutPrimaryMs"] = Math.Round(f.LongestWithoutPrimaryMs, 1),
        ["stoppedServingMs"] = Round(f.StoppedServingMs),
        ["servedUntilMs"] = Round(f.ServedUntilMs),
        ["healedAfterMs"] = f.HealedAtMs is { } h ? Math.Round(h - f.AtMs, 1) : null,
        ["clientsBackMs"] = Round(f.ClientsBackMs),
        ["worstRole"] = f.WorstRole,
        ["takeovers"] = new JsonArray(f.Takeovers.Select(r => (JsonNode)r).ToArray()),
        ["epochs"] = new JsonObject(f.Epochs.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)new JsonObject { ["before"] = p.Value.Before, ["after"] = p.Value.After }))),
        ["epochOk"] = f.EpochOk,
        ["failoverMsEtcd"] = f.Demo?.FailoverMs is { } fo ? Math.Round(fo, 1) : null,
        ["rejoinedMs"] = f.Demo?.RejoinedMs is { } rj ? Math.Round(rj, 1) : null,
        ["calls"] = f.Calls,
        ["callsFailed"] = f.CallsFailed,
        ["problem"] = f.Problem,
    };
}
