using System.Net;
using System.Net.Sockets;

namespace Coordinators.Actors.Etcd;

/// <summary>Hands out loopback TCP ports that are free now and were not handed out before by this process.</summary>
internal static class LoopbackPorts
{
    // Ports already given out; the OS may offer the same ephemeral port twice in a row.
    private static readonly HashSet<int> Issued = [];

    /// <summary>Returns a port nothing listens on at the moment of the call (a child may still lose a race for it).</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Issued)
            {
                if (Issued.Add(port))
                {
                    return port;
                }
            }
        }
        throw new InvalidOperationException("no free loopback port found after 100 attempts");
    }
}
