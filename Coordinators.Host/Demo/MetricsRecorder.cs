using System.Globalization;
using System.Text.Json.Nodes;

namespace Coordinators.Host.Demo;

/// <summary>
/// At the end of a run, before the cluster stops: scrapes every running child's /metrics into DIR/metrics/NAME.prom
/// and sums the figures an operator would chart (takeovers, session losses, calls and fail-fast rejections) per
/// child for report.json. A child that does not answer is recorded with its error; the run goes on.
/// </summary>
internal static class MetricsRecorder
{
    // The series summed per child: Prometheus name -> report field.
    private static readonly (string Series, string Field)[] Figures =
    [
        ("coordinators_role_primary", "primary"),
        ("coordinators_election_takeovers_total", "takeovers"),
        ("coordinators_election_takeover_duration_seconds_sum", "takeoverSeconds"),
        ("coordinators_session_losses_total", "sessionLosses"),
        ("coordinators_session_keepalive_duration_seconds_count", "keepAlives"),
        ("coordinators_connections_call_duration_seconds_count", "calls"),
        ("coordinators_connections_failfast_total", "failFast"),
    ];

    public static async Task<JsonObject> RecordAsync(IEnumerable<DemoChild> children, string outDir, CancellationToken ct)
    {
        var dir = Path.Combine(outDir, "metrics");
        Directory.CreateDirectory(dir);
        // A first scrape JIT-compiles the exporter in the child (a second or more with 15 processes on two cores):
        // four at a time, each with a generous timeout.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        using var slots = new SemaphoreSlim(4);
        var scrapes = children.Where(c => c.Pid is not null && !c.Paused && c.HttpAddress is not null)
            .Select(async c =>
            {
                await slots.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    return (c.Name, Figures: await ScrapeAsync(http, c, dir, ct).ConfigureAwait(false));
                }
                finally
                {
                    slots.Release();
                }
            })
            .ToList();
        var result = new JsonObject();
        foreach (var (name, figures) in await Task.WhenAll(scrapes).ConfigureAwait(false))
        {
            result[name] = figures;
        }
        return result;
    }

    private static async Task<JsonObject> ScrapeAsync(HttpClient http, DemoChild child, string dir, CancellationToken ct)
    {
        string text;
        try
        {
            text = await http.GetStringAsync(new Uri($"http://{child.HttpAddress}/metrics"), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new JsonObject { ["http"] = child.HttpAddress, ["error"] = e.Message };
        }
        await File.WriteAllTextAsync(Path.Combine(dir, child.Name + ".prom"), text, ct).ConfigureAwait(false);
        var figures = new JsonObject { ["http"] = child.HttpAddress };
        foreach (var (series, field) in Figures)
        {
            figures[field] = Math.Round(Sum(text, series), 6);
        }
        return figures;
    }

    /// <summary>The sum of every sample of <paramref name="series"/> (all label sets) in Prometheus text.</summary>
    public static double Sum(string text, string series)
    {
        var sum = 0.0;
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(series, StringComparison.Ordinal) || line.Length == series.Length || (line[series.Length] is not ('{' or ' ')))
            {
                continue;
            }
            var value = line[(line.LastIndexOf('}') is var brace and >= 0 ? brace + 1 : series.Length)..].Trim().Split(' ')[0];
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                sum += v;
            }
        }
        return sum;
    }
}
