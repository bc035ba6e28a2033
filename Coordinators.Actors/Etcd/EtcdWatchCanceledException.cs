namespace Coordinators.Actors.Etcd;

/// <summary>etcd cancelled a watch for a reason other than compaction (e.g. permission denied).</summary>
public sealed class EtcdWatchCanceledException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EtcdWatchCanceledException(string reason)
        : base("etcd cancelled the watch: " + reason)
    {
        Reason = reason;
    }

    /// <summary>etcd's cancel_reason.</summary>
    public string Reason { get; }
}
