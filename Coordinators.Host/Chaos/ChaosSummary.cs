using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Coordinators.Host.Chaos;

/// <summary>One row of the summary table: a fault kind, how often it ran, its recovery figures and step-downs.</summary>
internal sealed record ChaosKindRow(ChaosFaultKind Kind, string Label, int Count, double MedianMs, double P95Ms, double MaxMs, int Takeovers, int Problems);

/// <summary>The per-kind summary: count, recovery median / p95 / max (takeover for primary faults, else the longest
/// time a role had no primary), takeovers (step-downs for faults that need none) and faults with a problem.</summary>
internal static class ChaosSummary
{
    public static IReadOnlyList<ChaosKindRow> Rows(IReadOnlyList<ChaosFaultResult> faults) =>
        faults.GroupBy(f => f.Fault.Kind).OrderBy(g => g.Key).Select(g =>
        {
            var ms = g.Select(f => f.RecoveryMs).Order().ToList();
            return new ChaosKindRow(g.Key, g.First().Fault.Label, ms.Count, Percentile(ms, 0.5), Percentile(ms, 0.95), ms[^1],
                g.Sum(f => f.Takeovers.Count), g.Count(f => f.Problem is not null));
        }).ToList();

    /// <summary>Nearest-rank percentile of a sorted list.</summary>
    internal static double Percentile(IReadOnlyList<double> sorted, double q) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string Markdown(IReadOnlyList<ChaosKindRow> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| fault | count | recovery median | p95 | max | takeovers | problems |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Label} | {r.Count} | {r.MedianMs:F0} ms | {r.P95Ms:F0} ms | {r.MaxMs:F0} ms | {r.Takeovers} | {r.Problems} |");
        }
        return sb.ToString();
    }

    public static JsonArray Json(IReadOnlyList<ChaosKindRow> rows) =>
        new(rows.Select(r => (JsonNode)new JsonObject
        {
            ["kind"] = r.Kind.ToString(), ["label"] = r.Label, ["count"] = r.Count, ["medianMs"] = Math.Round(r.MedianMs, 1),
            ["p95Ms"] = Math.Round(r.P95Ms, 1), ["maxMs"] = Math.Round(r.MaxMs, 1), ["takeovers"] = r.Takeovers, ["problems"] = r.Problems,
        }).ToArray());
}
