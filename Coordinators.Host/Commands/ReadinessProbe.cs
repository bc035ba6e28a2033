using System.Globalization;
using System.Net.Http;
using Coordinators.Actors.Model;

namespace Coordinators.Host.Commands;

/// <summary>
/// What <c>status</c> shows of each session's own HTTP endpoint: its /readyz answer ("200 Healthy", "503 Stopping"),
/// "unreachable: ..." when it does not answer within a second, or nothing for a session without an endpoint.
/// </summary>
internal static class ReadinessProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    /// <summary>The readiness of every session that publishes an HTTP endpoint, by ServerID, asked in parallel.</summary>
    public static async Task<IReadOnlyDictionary<long, string>> ReadAsync(IEnumerable<SessionInfo> sessions, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = Timeout };
        var probes = sessions.Where(s => !string.IsNullOrEmpty(s.Http))
            .Select(async s => (s.ServerId, Ready: await ProbeAsync(http, s.Http!, s.ServerId, ct).ConfigureAwait(false)))
            .ToList();
        var results = await Task.WhenAll(probes).ConfigureAwait(false);
        return results.ToDictionary(r => r.ServerId, r => r.Ready);
    }

    private static async Task<string> ProbeAsync(HttpClient http, string address, long serverId, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"http://{address}/readyz"), ct).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            // One line per component ("rootcoord server 3: Healthy"); a standalone process answers for all of its roles.
            var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var line = lines.FirstOrDefault(l => l.Contains($"server {serverId}:", StringComparison.Ordinal)) ?? lines.LastOrDefault() ?? "";
            var state = line[(line.LastIndexOf(' ') + 1)..];
            return string.Create(CultureInfo.InvariantCulture, $"{(int)response.StatusCode} {state}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return "unreachable: " + (e is TaskCanceledException ? $"no answer within {Timeout.TotalSeconds:0} s" : e.Message);
        }
    }
}
