using Coordinators.Actors.Model;
using Coordinators.Host.Demo;

namespace Coordinators.Host.Chaos;

/// <summary>
/// One uninterrupted run of Healthy answers of one server under one term: the first and last answer's send and
/// receive times (chaos ms). The server certainly served from <see cref="FirstReceived"/> to <see cref="LastSent"/>.
/// </summary>
internal sealed record ServingInterval(string Role, long ServerId, int Pid, long Term, double FirstSent, double FirstReceived, double LastSent, double LastReceived, int Samples);

/// <summary>
/// What the chaos run sees for itself, apart from the processes' logs: every GetComponentStates answer (through
/// <see cref="StateSampler.Sampled"/>) folded into serving intervals per server, and every Healthy answer's moment per
/// role (to measure how long a role had no primary).
/// </summary>
internal sealed class ChaosObserver
{
    private readonly Lock _gate = new();
    private readonly List<ServingInterval> _closed = [];
    // ServerID -> its open interval (the last answer was Healthy).
    private readonly Dictionary<long, ServingInterval> _open = [];
    // role -> receive times of Healthy answers, in arrival order, with the ServerID that gave them.
    private readonly Dictionary<string, List<(double ReceivedMs, long ServerId)>> _healthy = new(StringComparer.Ordinal);
    // Per process, receive times of its first answer other than Healthy (and Unreachable) after a Healthy one; with or
    // without a ServerID (a process whose session is gone answers as server 0).
    private readonly List<(int Pid, double ReceivedMs)> _ended = [];
    // Processes whose last answer (Unreachable aside) was Healthy.
    private readonly HashSet<int> _servingPids = [];

    public ChaosObserver(StateSampler sampler) => sampler.Sampled += OnSample;

    /// <summary>Every serving interval so far, closed and open.</summary>
    public IReadOnlyList<ServingInterval> Intervals()
    {
        lock (_gate)
        {
            return [.. _closed, .. _open.Values];
        }
    }

    /// <summary>The first Healthy answer of <paramref name="role"/> received at or after <paramref name="fromMs"/> from a server other than <paramref name="notServer"/>.</summary>
    public double? FirstHealthyAfter(string role, double fromMs, long notServer)
    {
        lock (_gate)
        {
            if (!_healthy.TryGetValue(role, out var list))
            {
                return null;
            }
            foreach (var (at, server) in list)
            {
                if (at >= fromMs && server != notServer)
                {
                    return at;
                }
            }
            return null;
        }
    }

    /// <summary>
    /// When process <paramref name="pid"/> was seen to stop serving at or after <paramref name="fromMs"/>: the receive
    /// time of its first answer other than Healthy after a Healthy one (it stopped at the latest then), or null.
    /// </summary>
    public double? StoppedServingAt(int pid, double fromMs)
    {
        lock (_gate)
        {
            foreach (var (p, at) in _ended)
            {
                if (p == pid && at >= fromMs)
                {
                    return at;
                }
            }
            return null;
        }
    }

    /// <summary>
    /// Until when <paramref name="serverId"/> provably served after <paramref name="fromMs"/>: the latest send time of a
    /// question it answered Healthy (it served at some moment after that send), or null when no such answer exists.
    /// </summary>
    public double? ServedUntil(long serverId, double fromMs)
    {
        lock (_gate)
        {
            var spans = _closed.Concat(_open.Values).Where(i => i.ServerId == serverId && i.LastSent >= fromMs).Select(i => (double?)i.LastSent);
            return spans.DefaultIfEmpty(null).Max();
        }
    }

    /// <summary>
    /// The longest time <paramref name="role"/> went without a Healthy answer in a window: between consecutive Healthy
    /// answers (the last one before <paramref name="fromMs"/> included), up to <paramref name="toMs"/>.
    /// </summary>
    public double LongestWithoutPrimary(string role, double fromMs, double toMs)
    {
        lock (_gate)
        {
            if (!_healthy.TryGetValue(role, out var list) || list.Count == 0)
            {
                return toMs - fromMs;
            }
            var previous = (double?)null;
            var longest = 0.0;
            foreach (var (at, _) in list)
            {
                if (at < fromMs)
                {
                    previous = at;
                    continue;
                }
                if (at > toMs)
                {
                    break;
                }
                longest = Math.Max(longest, at - (previous ?? fromMs));
                previous = at;
            }
            return Math.Max(longest, toMs - (previous ?? fromMs));
        }
    }

    private void OnSample(StateSample s)
    {
        if (!Roles.IsCoordinator(s.Role))
        {
            return;
        }
        lock (_gate)
        {
            if (s.Pid != 0 && s.State != "Unreachable")
            {
                if (s.State == "Healthy")
                {
                    _servingPids.Add(s.Pid);
                }
                else if (_servingPids.Remove(s.Pid))
                {
                    _ended.Add((s.Pid, s.ReceivedMs));
                }
            }
            if (s.ServerId == 0)
            {
                return;
            }
            var open = _open.GetValueOrDefault(s.ServerId);
            if (s.State == "Healthy")
            {
                if (!_healthy.TryGetValue(s.Role, out var list))
                {
                    _healthy[s.Role] = list = [];
                }
                list.Add((s.ReceivedMs, s.ServerId));
                if (open is not null && open.Term == s.Term)
                {
                    _open[s.ServerId] = open with { LastSent = Math.Max(open.LastSent, s.SentMs), LastReceived = Math.Max(open.LastReceived, s.ReceivedMs), Samples = open.Samples + 1 };
                    return;
                }
                if (open is not null)
                {
                    _closed.Add(open);
                }
                _open[s.ServerId] = new ServingInterval(s.Role, s.ServerId, s.Pid, s.Term, s.SentMs, s.ReceivedMs, s.SentMs, s.ReceivedMs, 1);
                return;
            }
            // An answer other than Healthy ends the run; no answer (Unreachable) proves nothing either way.
            if (open is not null && s.State != "Unreachable")
            {
                _closed.Add(open);
                _open.Remove(s.ServerId);
            }
        }
    }

    /// <summary>
    /// Pairs of intervals of one role, of different servers, that provably overlap: both were serving at one instant
    /// whatever moments inside each question's send..receive window the answers were made.
    /// </summary>
    public static IReadOnlyList<string> Overlaps(IReadOnlyList<ServingInterval> intervals)
    {
        var found = new List<string>();
        foreach (var role in intervals.GroupBy(i => i.Role, StringComparer.Ordinal))
        {
            var list = role.OrderBy(i => i.FirstReceived).ToList();
            for (var a = 0; a < list.Count; a++)
            {
                for (var b = a + 1; b < list.Count; b++)
                {
                    var (x, y) = (list[a], list[b]);
                    if (x.ServerId != y.ServerId && ProvenOverlap(x, y))
                    {
                        found.Add($"{role.Key}: server {x.ServerId} (term {x.Term}) served {x.FirstReceived:F0}..{x.LastSent:F0} ms and server {y.ServerId} (term {y.Term}) served {y.FirstReceived:F0}..{y.LastSent:F0} ms");
                    }
                }
            }
        }
        return found;
    }

    // Certain serving spans [FirstReceived, LastSent]; a single answer only proves a moment somewhere in [FirstSent, FirstReceived].
    private static bool ProvenOverlap(ServingInterval x, ServingInterval y)
    {
        var xSpan = x.FirstReceived <= x.LastSent;
        var ySpan = y.FirstReceived <= y.LastSent;
        if (xSpan && ySpan)
        {
            return Math.Max(x.FirstReceived, y.FirstReceived) <= Math.Min(x.LastSent, y.LastSent);
        }
        if (xSpan)
        {
            return y.FirstSent >= x.FirstReceived && y.LastReceived <= x.LastSent;
        }
        return ySpan && x.FirstSent >= y.FirstReceived && x.LastReceived <= y.LastSent;
    }
}
