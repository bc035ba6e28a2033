namespace Coordinators.Tests.Fixtures;

/// <summary>How an <see cref="EtcdCluster"/> is started.</summary>
public sealed record EtcdClusterOptions
{
    /// <summary>Number of members: 1 or 3 in our tests.</summary>
    public int Members { get; init; } = 1;

    /// <summary>Creates user root with <see cref="EtcdCluster.RootPassword"/> and enables auth.</summary>
    public bool EnableAuth { get; init; }

    /// <summary>Serves clients over TLS with certificates made by openssl (CA, server cert for 127.0.0.1, client cert).</summary>
    public bool Tls { get; init; }

    /// <summary>With <see cref="Tls"/>: clients must present a certificate signed by the CA.</summary>
    public bool ClientCertAuth { get; init; }

    /// <summary>Common name of the client certificate; with auth enabled etcd takes it as the user name.</summary>
    public string ClientCertCommonName { get; init; } = "root";

    /// <summary>Extra etcd flags for every member, e.g. "--auto-compaction-retention".</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];

    /// <summary>How long start, restart and health waits may take before failing.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
