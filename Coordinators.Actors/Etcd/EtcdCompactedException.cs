namespace Coordinators.Actors.Etcd;

/// <summary>A watch asked for revisions etcd has already compacted away; restart from a fresh Get.</summary>
public sealed class EtcdCompactedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EtcdCompactedException(long compactRevision, long requestedRevision)
        : base($"etcd compacted revisions up to {compactRevision}; the watch wanted {requestedRevision}")
    {
        CompactRevision = compactRevision;
        RequestedRevision = requestedRevision;
    }

    /// <summary>The compaction revision etcd reported; the oldest revision still available.</summary>
    public long CompactRevision { get; }

    /// <summary>The revision the watch tried to start (or resume) from.</summary>
    public long RequestedRevision { get; }
}
