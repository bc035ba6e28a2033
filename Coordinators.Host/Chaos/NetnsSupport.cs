namespace Coordinators.Host.Chaos;

/// <summary>
/// Whether this machine can run partitions: Linux, root, <c>ip</c> and <c>nft</c> installed, and a trial namespace
/// that can be made, given an nftables table and removed (a container without CAP_NET_ADMIN or nf_tables fails here).
/// </summary>
internal static class NetnsSupport
{
    /// <summary>Null when partitions can run, else why not, naming what is missing or the command that failed.</summary>
    public static async Task<string?> WhyNotAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }
        if (!Environment.IsPrivilegedProcess)
        {
            return "network namespaces and nftables rules need root (run as root, or with sudo)";
        }
        if (NetnsCommand.Find("ip") is null)
        {
            return "`ip` (iproute2) is not installed: apt-get install -y iproute2";
        }
        if (NetnsCommand.Find("nft") is null)
        {
            return "`nft` (nftables) is not installed: apt-get install -y nftables";
        }
        try
        {
            var network = await NetnsNetwork.CreateAsync(["probe"]).ConfigureAwait(false);
            await using (network.ConfigureAwait(false))
            {
                await network.CutAsync("probe", ["probe"]).ConfigureAwait(false);
                await network.HealAsync("probe").ConfigureAwait(false);
            }
            return null;
        }
        catch (NetnsException e)
        {
            return e.Message;
        }
    }
}
