using Coordinators.Actors.Etcd;

namespace Coordinators.Actors.Model;

/// <summary>What etcd says about the cluster at one revision: each coordinator role's primary and queue, and every session.</summary>
/// <param name="Revision">The etcd revision read.</param>
/// <param name="Coordinators">One entry per coordinator role, in <see cref="Roles.Coordinators"/> order.</param>
/// <param name="Sessions">Every process session, by role then ServerID.</param>
/// <param name="Warnings">Malformed values that were skipped.</param>
public sealed record ClusterStatus(long Revision, IReadOnlyList<RoleStatus> Coordinators, IReadOnlyList<SessionInfo> Sessions, IReadOnlyList<string> Warnings)
{
    /// <summary>Reads sessions, active keys and election queues in two consistent reads at the same revision.</summary>
    public static async Task<ClusterStatus> ReadAsync(EtcdClient etcd, EtcdLayout layout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        ArgumentNullException.ThrowIfNull(layout);
        var sessionsResponse = await etcd.GetPrefixAsync(layout.SessionPrefix, cancellationToken: cancellationToken).ConfigureAwait(false);
        var revision = sessionsResponse.Header.Revision;
        var electionResponse = await etcd.GetPrefixAsync(layout.Root + "/election/", new GetOptions { Revision = revision }, cancellationToken).ConfigureAwait(false);
        var warnings = new List<string>();
        var sessions = new List<SessionInfo>();
        var active = new Dictionary<string, SessionInfo>(StringComparer.Ordinal);
        foreach (var kv in sessionsResponse.Kvs)
        {
            var key = kv.Key.ToStringUtf8();
            if (!layout.TryParseSessionKey(key, out var role, out var serverId))
            {
                continue;
            }
            if (!SessionInfo.TryParse(kv.Value.ToStringUtf8(), out var info, out var error))
            {
                warnings.Add($"{key}: {error}");
                continue;
            }
            if (serverId == 0)
            {
                active[role] = info!;
            }
            else
            {
                sessions.Add(info!);
            }
        }
        sessions.Sort((a, b) => string.CompareOrdinal(a.Role, b.Role) is var c and not 0 ? c : a.ServerId.CompareTo(b.ServerId));
        var byLease = sessions.GroupBy(s => s.LeaseId).ToDictionary(g => g.Key, g => g.First());
        var roles = new List<RoleStatus>();
        foreach (var role in Roles.Coordinators)
        {
            var prefix = layout.ElectionPrefix(role);
            var queue = electionResponse.Kvs
                .Where(kv => kv.Key.ToStringUtf8().StartsWith(prefix, StringComparison.Ordinal))
                .OrderBy(kv => kv.CreateRevision)
                .Select(kv => new CandidateEntry(kv.Key.ToStringUtf8(), kv.CreateRevision, kv.Lease, byLease.GetValueOrDefault(kv.Lease)))
                .ToList();
            roles.Add(new RoleStatus(role, active.GetValueOrDefault(role), queue));
        }
        return new ClusterStatus(revision, roles, sessions, warnings);
    }
}

/// <summary>A coordinator role: its published primary (null while none is) and its election queue, leader first.</summary>
public sealed record RoleStatus(string Role, SessionInfo? Primary, IReadOnlyList<CandidateEntry> Queue)
{
    /// <summary>The queued candidates after the leader: the standbys in takeover order.</summary>
    public IEnumerable<CandidateEntry> Standbys => Queue.Skip(1);
}

/// <summary>One candidate key, with the session holding the same lease when there is one.</summary>
public sealed record CandidateEntry(string Key, long CreateRevision, long LeaseId, SessionInfo? Session);
