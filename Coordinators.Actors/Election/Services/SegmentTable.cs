using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace Coordinators.Actors.Election.Services;

/// <summary>
/// datacoord's segment meta in memory: each segment with the etcd ModRevision it was read or written at. A change is
/// applied only when newer than what is held, so a watch event and the primary's own write of the same change can
/// arrive in either order. Thread-safe.
/// </summary>
public sealed class SegmentTable
{
    /// <summary>Keys per Range page when the table is read from etcd (a page stays far below gRPC's message limit).</summary>
    public const int PageSize = 10_000;

    private readonly Lock _lock = new();
    // Segment id -> (segment, ModRevision); segments are never mutated once stored (a change stores a new one).
    private readonly Dictionary<long, (Segment Segment, long Revision)> _segments = [];

    /// <summary>How many segments are held.</summary>
    public int Count { get { lock (_lock) { return _segments.Count; } } }

    /// <summary>Stores <paramref name="segment"/> unless a change at or after <paramref name="revision"/> is held.</summary>
    public void Apply(Segment segment, long revision)
    {
        ArgumentNullException.ThrowIfNull(segment);
        lock (_lock)
        {
            if (!_segments.TryGetValue(segment.Id, out var held) || held.Revision < revision)
            {
                _segments[segment.Id] = (segment, revision);
            }
        }
    }

    /// <summary>Forgets segment <paramref name="id"/> (deleted at <paramref name="revision"/>) unless a newer change is held.</summary>
    public void Remove(long id, long revision)
    {
        lock (_lock)
        {
            if (_segments.TryGetValue(id, out var held) && held.Revision < revision)
            {
                _segments.Remove(id);
            }
        }
    }

    /// <summary>The segment and its ModRevision, if held.</summary>
    public bool TryGet(long id, out Segment segment, out long revision)
    {
        lock (_lock)
        {
            var found = _segments.TryGetValue(id, out var held);
            (segment, revision) = found ? held : (null!, 0);
            return found;
        }
    }

    /// <summary>Every segment (of one collection unless 0), ordered by id.</summary>
    public IReadOnlyList<Segment> Snapshot(long collectionId = 0)
    {
        lock (_lock)
        {
            return [.. _segments.Values.Select(v => v.Segment).Where(s => collectionId == 0 || s.CollectionId == collectionId).OrderBy(s => s.Id)];
        }
    }

    /// <summary>Replaces the contents with <paramref name="segments"/>.</summary>
    public void Reset(IEnumerable<(Segment Segment, long Revision)> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        lock (_lock)
        {
            _segments.Clear();
            foreach (var (segment, revision) in segments)
            {
                _segments[segment.Id] = (segment, revision);
            }
        }
    }

    /// <summary>
    /// Reads every segment under <paramref name="prefix"/> at one revision, in pages of <see cref="PageSize"/>;
    /// returns them with the revision read at.
    /// </summary>
    public static async Task<(List<(Segment Segment, long Revision)> Segments, long Revision)> ReadAsync(EtcdClient etcd, string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        var end = EtcdKeys.PrefixEnd(EtcdKeys.Utf8(prefix));
        var key = EtcdKeys.Utf8(prefix);
        long revision = 0;
        var segments = new List<(Segment, long)>();
        while (true)
        {
            var page = await etcd.RangeAsync(new RangeRequest { Key = key, RangeEnd = end, Limit = PageSize, Revision = revision }, cancellationToken).ConfigureAwait(false);
            if (revision == 0)
            {
                revision = page.Header.Revision;
            }
            foreach (var kv in page.Kvs)
            {
                segments.Add((Parse(kv), kv.ModRevision));
            }
            if (!page.More || page.Kvs.Count == 0)
            {
                return (segments, revision);
            }
            // The next page starts just after the last key read.
            key = ByteString.CopyFrom([.. page.Kvs[^1].Key.Span, 0]);
        }
    }

    /// <summary>Parses a segment value; the error names the key.</summary>
    public static Segment Parse(Mvccpb.KeyValue kv)
    {
        ArgumentNullException.ThrowIfNull(kv);
        try
        {
            return Segment.Parser.ParseFrom(kv.Value);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new FormatException($"segment key {kv.Key.ToStringUtf8()} holds no Segment message: {e.Message}", e);
        }
    }
}
