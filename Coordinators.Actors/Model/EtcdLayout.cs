using System.Globalization;

namespace Coordinators.Actors.Model;

/// <summary>
/// The etcd key layout (DESIGN.md "etcd layout"). One place builds every key so the session,
/// election, connection and status code can never disagree on a path.
/// </summary>
public sealed class EtcdLayout
{
    /// <summary>Creates the layout under a root prefix such as "coordinators" (no trailing slash).</summary>
    public EtcdLayout(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = root.TrimEnd('/');
    }

    /// <summary>The root prefix without a trailing slash.</summary>
    public string Root { get; }

    /// <summary>The ServerID counter, advanced by a compare-and-increment Txn.</summary>
    public string ServerIdCounter => $"{Root}/session/id";

    /// <summary>Prefix of every session key (process sessions, active keys and the counter).</summary>
    public string SessionPrefix => $"{Root}/session/";

    /// <summary>A process's own session key, attached to its lease.</summary>
    public string SessionKey(string role, long serverId) =>
        $"{Root}/session/{role}-{serverId.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Prefix of the session keys of every process of a role.</summary>
    public string RoleSessionsPrefix(string role) => $"{Root}/session/{role}-";

    /// <summary>The active primary's key of a coordinator role, written only once it serves.</summary>
    public string ActiveKey(string role) => $"{Root}/session/{role}";

    /// <summary>The election prefix of a role, with a trailing slash (what `etcdctl elect` names).</summary>
    public string ElectionPrefix(string role) => $"{Root}/election/{role}/";

    /// <summary>The candidate key of a lease: the election prefix plus the lease id in lowercase hex, unpadded.</summary>
    public string CandidateKey(string role, long leaseId) =>
        ElectionPrefix(role) + leaseId.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>Prefix of a role's coordinator state; every write under it is fenced by the term.</summary>
    public string MetaPrefix(string role) => $"{Root}/meta/{role}/";

    /// <summary>The fenced epoch counter a primary increments once per takeover.</summary>
    public string EpochKey(string role) => $"{Root}/meta/{role}/epoch";

    /// <summary>rootcoord's persisted timestamp bound (physical milliseconds): no timestamp above it was handed out.</summary>
    public string TsoKey => $"{Root}/meta/rootcoord/tso";

    /// <summary>rootcoord's persisted ID bound: every ID handed out is below it.</summary>
    public string IdKey => $"{Root}/meta/rootcoord/id";

    /// <summary>Prefix of datacoord's segment meta, one key per segment.</summary>
    public string SegmentsPrefix => $"{Root}/meta/datacoord/segments/";

    /// <summary>The key of segment <paramref name="id"/>.</summary>
    public string SegmentKey(long id) => SegmentsPrefix + id.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Classifies a key under <see cref="SessionPrefix"/>: a process session ("role-serverId"),
    /// an active key ("role"), or the counter. Returns false for anything else.
    /// </summary>
    public bool TryParseSessionKey(string key, out string role, out long serverId)
    {
        role = string.Empty;
        serverId = 0;
        if (!key.StartsWith(SessionPrefix, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = key[SessionPrefix.Length..];
        var dash = rest.LastIndexOf('-');
        if (dash <= 0)
        {
            if (rest.Length == 0 || rest == "id")
            {
                return false;
            }
            role = rest;
            return true;
        }
        if (!long.TryParse(rest.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out serverId))
        {
            return false;
        }
        role = rest[..dash];
        return true;
    }
}
