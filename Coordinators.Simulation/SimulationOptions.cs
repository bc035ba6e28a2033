using System.Globalization;
using Coordinators.Actors.Config;

namespace Coordinators.Simulation;

/// <summary>What one simulation run does.</summary>
public sealed record SimulationOptions
{
    /// <summary>Processes of the role (one rootcoord each).</summary>
    public int Processes { get; init; } = 3;

    /// <summary>The run of a seed ends after this many failovers (a new primary with another term).</summary>
    public int Failovers { get; init; } = 100;

    /// <summary>Check of the simulation itself: the lease guard never expires (a primary never stops by its own clock).</summary>
    public bool GuardDisabled { get; init; }

    /// <summary>Check of the simulation itself: the model etcd accepts fenced writes without the term compare.</summary>
    public bool FenceDisabled { get; init; }

    /// <summary>The session (TTL 2 s, etcd's floor; keep-alive TTL/10; guard margin as in production, SessionOptions.DefaultGuardMargin).</summary>
    public SessionOptions Session { get; init; } = new() { Ttl = TimeSpan.FromSeconds(2) };

    /// <summary>SessionActor's minimum backoff before a new session after a loss.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Akka's TestScheduler is advanced on this grid: the actors' timers fire up to this late.</summary>
    public TimeSpan TimerGrid { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest virtual step between invariant checks when no event is due.</summary>
    public TimeSpan Quantum { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Each process's clock runs at 1 + d, |d| at most this many parts per million.</summary>
    public long DriftPpmBound { get; init; } = 20_000;

    /// <summary>After faults stop, one primary must serve within the TTL plus this.</summary>
    public TimeSpan LivenessBound { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Trace lines printed with a violation.</summary>
    public int TraceLines { get; init; } = 60;

    /// <summary>When set, receives every trace line as it is written (<c>--trace</c>).</summary>
    public Action<string>? TraceSink { get; init; }

    /// <summary>Model etcd fault rates.</summary>
    internal FaultRates Rates { get; init; } = new();
}

/// <summary>The outcome of one seed.</summary>
public sealed record SimulationResult(int Seed, int Failovers, long Steps, int Violations, string TraceHash, string? Report,
    TimeSpan VirtualTime, TimeSpan Recovery, long FencedWrites)
{
    /// <summary>The one-line summary <c>seed=N failovers=K steps=S violations=V trace-hash=H</c>.</summary>
    public string Summary => string.Create(CultureInfo.InvariantCulture,
        $"seed={Seed} failovers={Failovers} steps={Steps} violations={Violations} trace-hash={TraceHash}");
}
