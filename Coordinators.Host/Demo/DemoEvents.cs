using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Coordinators.Host.Demo;

/// <summary>One timestamped thing that happened during the demo; <see cref="Data"/> holds its details.</summary>
internal sealed record DemoEvent(double AtMs, DateTimeOffset Wall, string Kind, string? Process, JsonObject Data);

/// <summary>
/// The demo's single clock and its append-only event log. Every part stamps events through it, so report,
/// timeline and fault measurements share one time axis (milliseconds since the demo started).
/// </summary>
internal sealed class DemoEvents
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    // Guarded by itself; appended from many threads, read at the end.
    private readonly List<DemoEvent> _events = [];

    /// <summary>Raised after an event was added (outside the lock).</summary>
    public event Action<DemoEvent>? Added;

    /// <summary>Wall-clock time of t = 0.</summary>
    public DateTimeOffset StartedAt => _startedAt;

    /// <summary>Milliseconds since the demo started.</summary>
    public double NowMs => _clock.Elapsed.TotalMilliseconds;

    /// <summary>Records an event now.</summary>
    public DemoEvent Add(string kind, string? process = null, JsonObject? data = null)
    {
        var e = new DemoEvent(Math.Round(NowMs, 1), DateTimeOffset.UtcNow, kind, process, data ?? []);
        lock (_events)
        {
            _events.Add(e);
        }
        Added?.Invoke(e);
        return e;
    }

    /// <summary>A copy of every event so far, in the order they were added.</summary>
    public IReadOnlyList<DemoEvent> Snapshot()
    {
        lock (_events)
        {
            return [.. _events];
        }
    }
}
