using Coordinators.Actors.Config;
using Coordinators.Actors.Etcd;
using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Sessions;

/// <summary>Builds the process's etcd client from the configuration.</summary>
public static class EtcdClientFactory
{
    /// <summary>An <see cref="EtcdClient"/> for the configured endpoints, credentials and TLS files.</summary>
    public static EtcdClient Create(CoordinatorsOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var etcd = options.Etcd;
        return new EtcdClient(new EtcdClientOptions
        {
            Endpoints = etcd.Endpoints,
            Username = etcd.Username,
            Password = etcd.Password,
            CaFile = etcd.Tls.CaFile,
            ClientCertFile = etcd.Tls.CertFile,
            ClientKeyFile = etcd.Tls.KeyFile,
            // A hung member must not hold a session request for longer than the lease lives.
            RequestTimeout = options.Session.Ttl < TimeSpan.FromSeconds(10) ? options.Session.Ttl : TimeSpan.FromSeconds(10),
            DialTimeout = TimeSpan.FromSeconds(2),
            TimeProvider = timeProvider ?? TimeProvider.System,
            Logger = loggerFactory?.CreateLogger("Coordinators.Etcd"),
        });
    }
}
