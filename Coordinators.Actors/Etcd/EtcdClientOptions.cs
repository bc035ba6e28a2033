using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Etcd;

/// <summary>How an <see cref="EtcdClient"/> reaches etcd, as clientv3's Config.</summary>
public sealed record EtcdClientOptions
{
    /// <summary>Client URLs of the members, e.g. http://127.0.0.1:2379 or https://...; tried in order, rotated on failure.</summary>
    public IReadOnlyList<string> Endpoints { get; init; } = ["http://127.0.0.1:2379"];

    /// <summary>User for etcd auth; null when auth is off (or a client certificate names the user).</summary>
    public string? Username { get; init; }

    /// <summary>Password of <see cref="Username"/>.</summary>
    public string? Password { get; init; }

    /// <summary>PEM CA that signed the members' certificates (https endpoints).</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM client certificate for mutual TLS.</summary>
    public string? ClientCertFile { get; init; }

    /// <summary>PEM private key of <see cref="ClientCertFile"/>.</summary>
    public string? ClientKeyFile { get; init; }

    /// <summary>How long opening a connection to one member may take.</summary>
    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Deadline of each unary attempt; a paused member would otherwise hold a call forever. Null: none.</summary>
    public TimeSpan? RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>HTTP/2 keep-alive ping period; etcd refuses pings more often than every 5 s.</summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest response accepted (etcd's own default request limit is 1.5 MiB; ranges may be larger).</summary>
    public int MaxReceiveMessageSize { get; init; } = 64 * 1024 * 1024;

    /// <summary>Largest request sent.</summary>
    public int MaxSendMessageSize { get; init; } = 2 * 1024 * 1024;

    /// <summary>Longest pause between retries of a watch or keep-alive stream.</summary>
    public TimeSpan MaxRetryBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Clock for deadlines, keep-alive periods and backoff.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where retries and stream breaks are logged.</summary>
    public ILogger? Logger { get; init; }
}
