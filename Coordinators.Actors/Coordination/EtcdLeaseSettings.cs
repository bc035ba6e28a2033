using System.Globalization;
using AkkaConfig = Akka.Configuration.Config;
using ConfigurationException = Akka.Configuration.ConfigurationException;
using Akka.Coordination;
using Coordinators.Actors.Config;
using Coordinators.Actors.Etcd;

namespace Coordinators.Actors.Coordination;

/// <summary>
/// What an <see cref="EtcdLease"/> reads from its HOCON section (<c>akka.coordination.lease.etcd</c> by default):
/// how to reach etcd (the same keys as <c>coordinators.etcd</c>), the key prefix, and the timings Akka.Coordination
/// defines (<c>heartbeat-timeout</c> is the etcd lease TTL, <c>heartbeat-interval</c> the keep-alive period,
/// <c>lease-operation-timeout</c> bounds Acquire and Release).
/// </summary>
public sealed record EtcdLeaseSettings
{
    /// <summary>Client URLs of the etcd members (<c>endpoints</c>: a list or a comma-separated string).</summary>
    public required IReadOnlyList<string> Endpoints { get; init; }

    /// <summary>Key prefix (<c>root</c>); the lease named N is the key <c>{root}/lease/N</c>.</summary>
    public string Root { get; init; } = "coordinators";

    /// <summary>etcd user (<c>username</c>), or null when auth is off.</summary>
    public string? Username { get; init; }

    /// <summary>Password of <see cref="Username"/> (<c>password</c>).</summary>
    public string? Password { get; init; }

    /// <summary>CA of the etcd server certificates (<c>tls.ca-file</c>).</summary>
    public string? CaFile { get; init; }

    /// <summary>Client certificate for mutual TLS (<c>tls.cert-file</c>).</summary>
    public string? CertFile { get; init; }

    /// <summary>Private key of <see cref="CertFile"/> (<c>tls.key-file</c>).</summary>
    public string? KeyFile { get; init; }

    /// <summary>The etcd lease TTL asked for: <c>heartbeat-timeout</c> rounded up to whole seconds, at least 2 s.</summary>
    public required TimeSpan Ttl { get; init; }

    /// <summary>Keep-alive period (<c>heartbeat-interval</c>).</summary>
    public required TimeSpan KeepAliveInterval { get; init; }

    /// <summary>How long Acquire and Release may take in all (<c>lease-operation-timeout</c>).</summary>
    public required TimeSpan OperationTimeout { get; init; }

    /// <summary>
    /// The local guard gives up this much before the TTL counted from the last acknowledged keep-alive's send time
    /// (<c>lease-guard-margin</c>; default <see cref="SessionOptions.DefaultGuardMargin"/>: TTL/10 within 250 ms-1 s), so a paused holder stops before etcd frees the key.
    /// </summary>
    public required TimeSpan GuardMargin { get; init; }

    /// <summary>The key of the lease named <paramref name="leaseName"/>.</summary>
    public string KeyOf(string leaseName) => Root.TrimEnd('/') + "/lease/" + leaseName;

    /// <summary>Options for the <see cref="EtcdClient"/> of the lease, every call bounded by the operation timeout.</summary>
    public EtcdClientOptions ToClientOptions(TimeProvider time) => new()
    {
        Endpoints = Endpoints,
        Username = Username,
        Password = Password,
        CaFile = CaFile,
        ClientCertFile = CertFile,
        ClientKeyFile = KeyFile,
        RequestTimeout = OperationTimeout < Ttl ? OperationTimeout : Ttl,
        DialTimeout = OperationTimeout < TimeSpan.FromSeconds(2) ? OperationTimeout : TimeSpan.FromSeconds(2),
        TimeProvider = time,
    };

    /// <summary>
    /// Reads the settings of one lease; <paramref name="configPath"/> names the section in errors. Throws
    /// <see cref="ConfigurationException"/> naming the key, its value and what was expected.
    /// </summary>
    public static EtcdLeaseSettings Create(LeaseSettings lease, string configPath)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var config = lease.LeaseConfig;
        var timeouts = lease.TimeoutSettings;
        var endpoints = ReadEndpoints(config, configPath);
        var ttlSeconds = Math.Max(2, (long)Math.Ceiling(timeouts.HeartbeatTimeout.TotalSeconds));
        var ttl = TimeSpan.FromSeconds(ttlSeconds);
        if (timeouts.HeartbeatInterval <= TimeSpan.Zero || timeouts.HeartbeatInterval >= ttl / 2)
        {
            throw Bad(configPath, "heartbeat-interval", timeouts.HeartbeatInterval, $"above 0 and below half the TTL ({Seconds(ttl)}, from heartbeat-timeout)");
        }
        if (timeouts.OperationTimeout <= TimeSpan.Zero)
        {
            throw Bad(configPath, "lease-operation-timeout", timeouts.OperationTimeout, "above 0");
        }
        var margin = config.HasPath("lease-guard-margin") && !IsNull(config, "lease-guard-margin")
            ? config.GetTimeSpan("lease-guard-margin", null, allowInfinite: false)
            : SessionOptions.DefaultGuardMargin(ttl);
        if (margin <= TimeSpan.Zero || margin >= ttl - timeouts.HeartbeatInterval)
        {
            throw Bad(configPath, "lease-guard-margin", margin, $"above 0 and below the TTL minus heartbeat-interval ({Seconds(ttl - timeouts.HeartbeatInterval)}), or a healthy holder would lose the lease between renewals");
        }
        var root = String(config, "root") ?? "coordinators";
        if (root.Length == 0 || root.Trim('/').Length == 0)
        {
            throw Bad(configPath, "root", "\"" + root + "\"", "a non-empty key prefix such as \"coordinators\"");
        }
        var username = String(config, "username");
        var password = String(config, "password");
        if (username is not null && password is null)
        {
            throw Bad(configPath, "password", "null", $"a password for the etcd user \"{username}\"");
        }
        var certFile = String(config, "tls.cert-file");
        var keyFile = String(config, "tls.key-file");
        if ((certFile is null) != (keyFile is null))
        {
            throw Bad(configPath, certFile is null ? "tls.cert-file" : "tls.key-file", "null", "both tls.cert-file and tls.key-file, or neither");
        }
        return new EtcdLeaseSettings
        {
            Endpoints = endpoints,
            Root = root,
            Username = username,
            Password = password,
            CaFile = String(config, "tls.ca-file"),
            CertFile = certFile,
            KeyFile = keyFile,
            Ttl = ttl,
            KeepAliveInterval = timeouts.HeartbeatInterval,
            OperationTimeout = timeouts.OperationTimeout,
            GuardMargin = margin,
        };
    }

    private static string[] ReadEndpoints(AkkaConfig config, string configPath)
    {
        if (!config.HasPath("endpoints") || IsNull(config, "endpoints"))
        {
            throw Bad(configPath, "endpoints", "nothing", "the etcd client URLs, e.g. endpoints = [\"http://127.0.0.1:2379\"]");
        }
        var value = config.GetValue("endpoints");
        // A list, or one comma-separated string as in coordinators.etcd.endpoints (an empty list reads as no string).
        var text = value.IsArray() ? null : value.GetString();
        var list = text is null ? config.GetStringList("endpoints") ?? [] : (IList<string>)text.Split(',');
        var endpoints = list.Select(e => e.Trim()).Where(e => e.Length > 0).ToArray();
        if (endpoints.Length == 0)
        {
            throw Bad(configPath, "endpoints", "an empty list", "at least one etcd client URL");
        }
        foreach (var e in endpoints)
        {
            var url = e.Contains("://", StringComparison.Ordinal) ? e : "http://" + e;
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https") || uri.Port <= 0)
            {
                throw Bad(configPath, "endpoints", "\"" + e + "\"", "http://HOST:PORT or https://HOST:PORT");
            }
        }
        return endpoints;
    }

    private static bool IsNull(AkkaConfig config, string path)
    {
        var value = config.GetValue(path);
        return value is null || value.IsEmpty || (value.IsString() && value.GetString() is null);
    }

    private static string? String(AkkaConfig config, string path) =>
        config.HasPath(path) && !IsNull(config, path) ? config.GetString(path) : null;

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";

    private static ConfigurationException Bad(string configPath, string key, object value, string expected) =>
        new($"{configPath}.{key}: got {(value is TimeSpan t ? Seconds(t) : value)}, expected {expected}");
}
