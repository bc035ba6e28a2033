using Etcdserverpb;
using Grpc.Net.Client;

namespace Coordinators.Actors.Etcd;

/// <summary>One etcd member as the client reaches it: our channel and dotnet-etcd's generated clients over it.</summary>
internal sealed class EtcdEndpoint : IDisposable
{
    public EtcdEndpoint(string address, GrpcChannel channel)
    {
        Channel = channel;
        Address = address;
        KV = new KV.KVClient(channel);
        Lease = new Lease.LeaseClient(channel);
        Watch = new Watch.WatchClient(channel);
        Cluster = new Cluster.ClusterClient(channel);
        Maintenance = new Maintenance.MaintenanceClient(channel);
        Auth = new Auth.AuthClient(channel);
    }

    /// <summary>The member's client URL without a trailing slash, e.g. http://127.0.0.1:2379.</summary>
    public string Address { get; }

    public GrpcChannel Channel { get; }

    public KV.KVClient KV { get; }

    public Lease.LeaseClient Lease { get; }

    public Watch.WatchClient Watch { get; }

    public Cluster.ClusterClient Cluster { get; }

    public Maintenance.MaintenanceClient Maintenance { get; }

    public Auth.AuthClient Auth { get; }

    public override string ToString() => Address;

    public void Dispose() => Channel.Dispose();
}
