using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Coordinators.Actors.Model;

/// <summary>
/// The <c>Coordinators</c> meter (System.Diagnostics.Metrics): what an operator watches in Prometheus. Counters and
/// histograms are recorded where things happen; gauges read the components this process tracks (<see cref="Track"/>).
/// Names follow OpenTelemetry's conventions (dotted, unit in the unit field); the Prometheus exporter turns them into
/// e.g. <c>coordinators_election_takeovers_total</c> and <c>coordinators_election_takeover_duration_seconds</c>.
/// </summary>
public static class Telemetry
{
    /// <summary>The meter's name, to enable it in an OpenTelemetry MeterProvider.</summary>
    public const string MeterName = "Coordinators";

    private static readonly Meter s_meter = new(MeterName, "1.0");

    // Bucket bounds for durations in seconds, 1 ms to 30 s (the SDK's default bounds assume milliseconds).
    private static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    };

    // The components whose state the gauges report, by a key unique per tracked component.
    private static readonly ConcurrentDictionary<object, Tracked> s_tracked = new();

    /// <summary>Takeovers: this process became primary of a role (its active key published).</summary>
    public static readonly Counter<long> Takeovers = s_meter.CreateCounter<long>(
        "coordinators.election.takeovers", "{takeover}", "Times this process became primary of a role");

    /// <summary>From the trigger (predecessor gone, campaign won) to serving with the active key published.</summary>
    public static readonly Histogram<double> TakeoverDuration = s_meter.CreateHistogram<double>(
        "coordinators.election.takeover.duration", "s", "From the trigger of a takeover to serving with the active key published",
        tags: null, advice: SecondsBuckets);

    /// <summary>Sessions lost (lease expired or revoked, own key deleted, keep-alive ended).</summary>
    public static readonly Counter<long> SessionLosses = s_meter.CreateCounter<long>(
        "coordinators.session.losses", "{loss}", "etcd sessions this process lost");

    /// <summary>Round trip of each acknowledged keep-alive (request sent to answer received).</summary>
    public static readonly Histogram<double> KeepAliveRoundTrip = s_meter.CreateHistogram<double>(
        "coordinators.session.keepalive.duration", "s", "Round trip of each acknowledged lease keep-alive",
        tags: null, advice: SecondsBuckets);

    /// <summary>Every call a routed client (ConnectionManager.ForRole / ForServer) returned, retries included.</summary>
    public static readonly Histogram<double> CallDuration = s_meter.CreateHistogram<double>(
        "coordinators.connections.call.duration", "s", "Calls made through the ConnectionManager, from the caller's start to its answer or error",
        tags: null, advice: SecondsBuckets);

    /// <summary>Calls refused at once because no client of the target was Online (no attempt made).</summary>
    public static readonly Counter<long> FailFastRejections = s_meter.CreateCounter<long>(
        "coordinators.connections.failfast", "{call}", "Calls the ConnectionManager refused at once: no Online client of the target");

    // The ConnectionManagers whose clients the clients gauge reports, by a key unique per manager.
    private static readonly ConcurrentDictionary<object, Func<IEnumerable<(string Role, string State, long Count)>>> s_clients = new();

    static Telemetry()
    {
        s_meter.CreateObservableGauge("coordinators.connections.clients",
            () => s_clients.Values.SelectMany(f => f()).Select(c => new Measurement<long>(c.Count, TargetTag(c.Role), new("state", c.State))),
            "{client}", "ConnectionManager clients per target role and state (connecting, online, offline)");
        s_meter.CreateObservableGauge("coordinators.role.primary", () => Observe(t => t.IsPrimary() ? 1 : 0), "{primary}",
            "1 while this process is the serving primary of its coordinator role, 0 while standby (or any other state)");
        s_meter.CreateObservableGauge("coordinators.component.healthy", () => Observe(t => t.IsHealthy() ? 1 : 0), "{component}",
            "1 while the component is Healthy (a primary or a node with a session)");
        s_meter.CreateObservableGauge("coordinators.election.term", () => Observe(t => t.Term()), "{term}",
            "The election term this process serves as primary (the candidate key's CreateRevision), 0 when not primary");
        s_meter.CreateObservableGauge("coordinators.lease.guard.remaining", () => ObserveGuards(), "s",
            "How long the local lease guard still vouches for the session's lease");
    }

    /// <summary>
    /// Reports a component in the gauges until the returned handle is disposed: <paramref name="isPrimary"/>,
    /// <paramref name="isHealthy"/>, <paramref name="term"/> and the lease guard's remaining time, tagged with the role.
    /// </summary>
    public static IDisposable Track(string role, Func<bool> isPrimary, Func<bool> isHealthy, Func<long> term, LeaseGuard? guard)
    {
        var key = new object();
        s_tracked[key] = new Tracked(role, isPrimary, isHealthy, term, guard);
        return new Untrack(key);
    }

    /// <summary>Reports a ConnectionManager's clients (per target role and state) in the clients gauge until disposed.</summary>
    public static IDisposable TrackClients(Func<IEnumerable<(string Role, string State, long Count)>> counts)
    {
        var key = new object();
        s_clients[key] = counts;
        return new Untrack(key);
    }

    /// <summary>Records a routed call's outcome: <paramref name="status"/> is the gRPC status code name (OK on success).</summary>
    public static void RecordCall(string targetRole, string status, TimeSpan elapsed) =>
        CallDuration.Record(elapsed.TotalSeconds, TargetTag(targetRole), new("rpc.grpc.status_code", status));

    /// <summary>Records a call refused without an attempt (and its outcome in <see cref="CallDuration"/>).</summary>
    public static void RecordFailFast(string targetRole)
    {
        FailFastRejections.Add(1, TargetTag(targetRole));
        RecordCall(targetRole, "UNAVAILABLE", TimeSpan.Zero);
    }

    /// <summary>The tag naming the role a call or client is for (the caller's own role is not a tag of these).</summary>
    public static KeyValuePair<string, object?> TargetTag(string role) => new("target.role", role);

    /// <summary>The role tag every measurement carries.</summary>
    public static KeyValuePair<string, object?> RoleTag(string role) => new("role", role);

    private static IEnumerable<Measurement<long>> Observe(Func<Tracked, long> value) =>
        s_tracked.Values.Select(t => new Measurement<long>(value(t), RoleTag(t.Role)));

    private static IEnumerable<Measurement<double>> ObserveGuards() =>
        s_tracked.Values.Where(t => t.Guard is not null).Select(t => new Measurement<double>(Math.Max(0, t.Guard!.Remaining.TotalSeconds), RoleTag(t.Role)));

    private sealed record Tracked(string Role, Func<bool> IsPrimary, Func<bool> IsHealthy, Func<long> Term, LeaseGuard? Guard);

    private sealed class Untrack(object key) : IDisposable
    {
        public void Dispose()
        {
            s_tracked.TryRemove(key, out _);
            s_clients.TryRemove(key, out _);
        }
    }
}
