namespace Coordinators.Actors.Config;

/// <summary>How to reach etcd: the endpoints of its members, credentials and TLS files.</summary>
public sealed record EtcdOptions
{
    /// <summary>Client URLs of the etcd members, tried in turn (<c>etcd.endpoints</c>).</summary>
    public IReadOnlyList<string> Endpoints { get; init; } = ["http://127.0.0.1:2379"];

    /// <summary>User for etcd authentication, or null when auth is off (<c>etcd.username</c>).</summary>
    public string? Username { get; init; }

    /// <summary>Password for <see cref="Username"/>; printed masked (<c>etcd.password</c>).</summary>
    public string? Password { get; init; }

    /// <summary>Certificate files for https endpoints (<c>etcd.tls</c>).</summary>
    public EtcdTlsOptions Tls { get; init; } = new();
}

/// <summary>PEM files for TLS to etcd; all null means the system trust store and no client certificate.</summary>
public sealed record EtcdTlsOptions
{
    /// <summary>CA bundle that signs the etcd server certificates (<c>etcd.tls.ca-file</c>).</summary>
    public string? CaFile { get; init; }

    /// <summary>Client certificate for mutual TLS (<c>etcd.tls.cert-file</c>).</summary>
    public string? CertFile { get; init; }

    /// <summary>Private key of <see cref="CertFile"/> (<c>etcd.tls.key-file</c>).</summary>
    public string? KeyFile { get; init; }
}
