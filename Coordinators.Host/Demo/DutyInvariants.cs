using System.Text.Json.Nodes;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Election.Services;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;

namespace Coordinators.Host.Demo;

/// <summary>
/// The duties' invariants, checked from what the demo's clients saw (and, for the meta, what etcd and the primary hold
/// after the run): <c>tso-monotonic</c>, <c>ids-unique</c>, <c>meta-intact</c>.
/// </summary>
internal static class DutyInvariants
{
    public const string TsoMonotonic = "tso-monotonic";
    public const string IdsUnique = "ids-unique";
    public const string MetaIntact = "meta-intact";

    /// <summary>
    /// The duties' invariants, once the duty workload stopped and while the children still run: etcd's segment table
    /// and the datacoord primary's answer (through the proxy) against what the clients sent and were told. A write the
    /// end of the run cut short on the client side may still land on the server: the table is read again after the
    /// answer, and the pair counts once etcd did not change across it and the answer matches, or after five tries
    /// (backing off, ~1.5 s): a difference that outlasts them is what the invariant reports. Used by the demo and chaos.
    /// </summary>
    public static async Task<IReadOnlyList<InvariantResult>> CheckAsync(EtcdClient etcd, EtcdLayout layout, DutyWorkload duties, DemoEvents events, CancellationToken cancellationToken)
    {
        var (inEtcd, revision) = await SegmentTable.ReadAsync(etcd, layout.SegmentsPrefix, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<Segment>? listed = null;
        string? listError = null;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                listed = await duties.ListAsync(cancellationToken).ConfigureAwait(false);
                listError = null;
            }
            catch (Grpc.Core.RpcException e)
            {
                listError = $"{e.StatusCode}: {e.Status.Detail}";
            }
            var (after, afterRevision) = await SegmentTable.ReadAsync(etcd, layout.SegmentsPrefix, cancellationToken).ConfigureAwait(false);
            var settled = Describe(after) == Describe(inEtcd);
            (inEtcd, revision) = (after, afterRevision);
            if ((settled && listed is not null && Same(listed, after)) || attempt == 5)
            {
                break;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken).ConfigureAwait(false);
        }
        events.Add("duties", null, new JsonObject
        {
            ["timestampCalls"] = duties.Timestamps().Count, ["idBlocks"] = duties.Ids().Count,
            ["segmentCreates"] = duties.Creates().Count, ["segmentUpdates"] = duties.Updates().Count,
            ["failedCalls"] = duties.Failed, ["segmentsInEtcd"] = inEtcd.Count, ["etcdRevision"] = revision,
        });
        return Check(duties, [.. inEtcd.Select(s => s.Segment)], listed, listError);
    }

    private static bool Same(IReadOnlyList<Segment> listed, List<(Segment Segment, long Revision)> inEtcd) =>
        listed.OrderBy(s => s.Id).SequenceEqual(inEtcd.Select(s => s.Segment).OrderBy(s => s.Id));

    private static string Describe(List<(Segment Segment, long Revision)> segments) =>
        string.Join(';', segments.Select(s => $"{s.Revision}:{s.Segment}"));

    public static IReadOnlyList<InvariantResult> Check(DutyWorkload workload, IReadOnlyList<Segment> inEtcd, IReadOnlyList<Segment>? listed, string? listError) =>
    [
        Monotonic(workload.Timestamps()),
        Unique(workload.Ids()),
        Meta(workload.Creates(), workload.Updates(), inEtcd, listed, listError, workload.Failed),
    ];

    /// <summary>Every timestamp returned is above every timestamp whose call had completed before its call was sent.</summary>
    internal static InvariantResult Monotonic(IReadOnlyList<TimestampCall> calls)
    {
        if (calls.Count == 0)
        {
            return new(TsoMonotonic, false, "no timestamp call returned");
        }
        var byDone = calls.OrderBy(c => c.DoneMs).ToArray();
        var maxUpTo = new ulong[byDone.Length];
        for (var i = 0; i < byDone.Length; i++)
        {
            maxUpTo[i] = Math.Max(i == 0 ? 0 : maxUpTo[i - 1], byDone[i].Last);
        }
        var bad = 0;
        string? first = null;
        foreach (var c in calls)
        {
            // The calls completed strictly before this one was sent.
            int lo = 0, hi = byDone.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (byDone[mid].DoneMs < c.SentMs) lo = mid + 1; else hi = mid;
            }
            if (lo > 0 && c.First <= maxUpTo[lo - 1])
            {
                bad++;
                first ??= $"timestamp {c.First} sent at {c.SentMs / 1000:F3} s is not above {maxUpTo[lo - 1]}, returned before it was sent";
            }
        }
        return bad == 0
            ? new(TsoMonotonic, true, $"{calls.Count} timestamp calls, each above every timestamp returned before it was sent")
            : new(TsoMonotonic, false, $"{bad} of {calls.Count} calls went back; first: {first}");
    }

    internal static InvariantResult Unique(IReadOnlyList<(long First, uint Count)> blocks)
    {
        if (blocks.Count == 0)
        {
            return new(IdsUnique, false, "no ID call returned");
        }
        var seen = new HashSet<long>();
        foreach (var (first, count) in blocks)
        {
            for (var k = 0L; k < count; k++)
            {
                if (!seen.Add(first + k))
                {
                    return new(IdsUnique, false, $"ID {first + k} was returned twice");
                }
            }
        }
        return new(IdsUnique, true, $"{seen.Count} IDs in {blocks.Count} blocks, none returned twice");
    }

    /// <summary>
    /// Every acknowledged create is in etcd with its token; every segment in etcd came from a create that was sent; each
    /// segment holds its last acknowledged value or a value sent after it (unacknowledged: its outcome is unknown); and
    /// the primary answers exactly what etcd holds.
    /// </summary>
    internal static InvariantResult Meta(IReadOnlyList<SegmentWrite> creates, IReadOnlyList<SegmentWrite> updates, IReadOnlyList<Segment> inEtcd, IReadOnlyList<Segment>? listed, string? listError, int failedCalls)
    {
        var problems = new List<string>();
        var sentTokens = creates.Select(c => c.Token).ToHashSet(StringComparer.Ordinal);
        var byId = inEtcd.ToDictionary(s => s.Id);
        foreach (var s in inEtcd.Where(s => !sentTokens.Contains(s.Token)))
        {
            problems.Add($"segment {s.Id} (token '{s.Token}') is in etcd but no create with that token was sent");
        }
        foreach (var c in creates.Where(c => c.Acked))
        {
            if (!byId.TryGetValue(c.Id, out var s) || s.Token != c.Token)
            {
                problems.Add($"acknowledged create {c.Token} (segment {c.Id}) is not in etcd");
            }
        }
        foreach (var c in creates.Where(c => c.Acked))
        {
            if (!byId.TryGetValue(c.Id, out var s))
            {
                continue;
            }
            // Updates of one segment are sent one at a time, in order: from the last acknowledged one on, any may hold.
            var mine = updates.Where(u => u.Id == c.Id).OrderBy(u => u.SentMs).ToList();
            var lastAcked = mine.FindLastIndex(u => u.Acked);
            var allowed = (lastAcked < 0 ? [c, .. mine] : mine.Skip(lastAcked)).Select(u => (u.State, u.RowCount)).ToHashSet();
            if (!allowed.Contains((s.State, s.RowCount)))
            {
                problems.Add($"segment {c.Id} holds {s.State}/{s.RowCount}, not its last acknowledged write or one sent after it");
            }
        }
        if (listed is null)
        {
            problems.Add("the primary did not answer ListSegments: " + listError);
        }
        else
        {
            var a = string.Join(';', listed.OrderBy(s => s.Id).Select(s => s.ToString()));
            var b = string.Join(';', inEtcd.OrderBy(s => s.Id).Select(s => s.ToString()));
            if (a != b)
            {
                problems.Add($"the primary answers {listed.Count} segments, etcd holds {inEtcd.Count}, and they differ");
            }
        }
        if (!creates.Any(c => c.Acked))
        {
            problems.Add("no segment create was acknowledged");
        }
        return problems.Count == 0
            ? new(MetaIntact, true, $"{creates.Count(c => c.Acked)} acknowledged creates and {updates.Count(u => u.Acked)} updates all in etcd and in the primary's answer ({inEtcd.Count} segments); nothing unsent; {failedCalls} duty calls failed in failovers")
            : new(MetaIntact, false, $"{problems.Count} problem(s), first: {problems[0]}");
    }
}
