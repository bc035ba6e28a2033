namespace Coordinators.Actors.Model;

/// <summary>
/// The crash guard a process runs under (<c>coordinators run --crash-guard</c>): its parent, which revokes this
/// process's leases the moment the kernel reports the process dead. The session reports each lease as soon as it is
/// granted, before any key is written on it, so no key of this process lives on a lease the guard does not know.
/// </summary>
public interface ICrashGuardLink
{
    /// <summary>The guard's process id, published in the session JSON beside the process's own.</summary>
    int GuardPid { get; }

    /// <summary>
    /// Reports a lease just granted to the session of <paramref name="role"/>. Returns at once and never throws: a guard
    /// that cannot be told is the implementation's to report (the lease then ends by its TTL, as without a guard).
    /// </summary>
    void LeaseGranted(string role, long serverId, long leaseId);
}
