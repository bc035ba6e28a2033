using System.Globalization;
using System.Text;
using Akka.Actor.Setup;
using Akka.Hosting;
using Akka.Hosting.Coordination;

namespace Coordinators.Actors.Coordination;

/// <summary>
/// Akka.Hosting registration of <see cref="EtcdLease"/>: <c>builder.WithEtcdLease(o => o.Endpoints = [...])</c>, then
/// pass the same option as <c>LeaseImplementation</c> of Akka.Cluster.Hosting's singleton (or sharding) options.
/// Unset properties keep the HOCON defaults (Akka.Coordination's timings, root "coordinators").
/// </summary>
public sealed class EtcdLeaseOption : LeaseOptionBase
{
    /// <summary>Client URLs of the etcd members.</summary>
    public IReadOnlyList<string> Endpoints { get; set; } = ["http://127.0.0.1:2379"];

    /// <summary>Key prefix; the lease named N is <c>{Root}/lease/N</c>.</summary>
    public string? Root { get; set; }

    /// <summary>etcd user, or null when auth is off.</summary>
    public string? Username { get; set; }

    /// <summary>Password of <see cref="Username"/> (set it from a secret; Akka's HOCON cannot read the environment).</summary>
    public string? Password { get; set; }

    /// <summary>CA of the etcd server certificates.</summary>
    public string? CaFile { get; set; }

    /// <summary>Client certificate for mutual TLS.</summary>
    public string? CertFile { get; set; }

    /// <summary>Private key of <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The etcd lease TTL (<c>heartbeat-timeout</c>, Akka's default 120 s).</summary>
    public TimeSpan? HeartbeatTimeout { get; set; }

    /// <summary>The keep-alive period (<c>heartbeat-interval</c>, below half the TTL).</summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>Bound of Acquire and Release (<c>lease-operation-timeout</c>).</summary>
    public TimeSpan? OperationTimeout { get; set; }

    /// <summary>How much before the TTL the local guard gives up (<c>lease-guard-margin</c>).</summary>
    public TimeSpan? GuardMargin { get; set; }

    /// <inheritdoc />
    public override string ConfigPath => EtcdLease.ConfigPath;

    /// <inheritdoc />
    public override Type Class => typeof(EtcdLease);

    /// <summary>The HOCON this option stands for.</summary>
    public string ToHocon()
    {
        var sb = new StringBuilder();
        sb.Append(ConfigPath).AppendLine(" {");
        sb.Append("  lease-class = ").AppendLine(Quote(EtcdLease.LeaseClass));
        sb.Append("  endpoints = [").Append(string.Join(", ", Endpoints.Select(Quote))).AppendLine("]");
        Line(sb, "root", Root);
        Line(sb, "username", Username);
        Line(sb, "password", Password);
        Line(sb, "tls.ca-file", CaFile);
        Line(sb, "tls.cert-file", CertFile);
        Line(sb, "tls.key-file", KeyFile);
        Line(sb, "heartbeat-timeout", HeartbeatTimeout);
        Line(sb, "heartbeat-interval", HeartbeatInterval);
        Line(sb, "lease-operation-timeout", OperationTimeout);
        Line(sb, "lease-guard-margin", GuardMargin);
        sb.AppendLine("}");
        return sb.ToString();
    }

    /// <inheritdoc />
    public override void Apply(AkkaConfigurationBuilder builder, Setup? setup = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddHocon(ToHocon(), HoconAddMode.Prepend);
    }

    private static void Line(StringBuilder sb, string key, string? value)
    {
        if (value is not null)
        {
            sb.Append("  ").Append(key).Append(" = ").AppendLine(Quote(value));
        }
    }

    private static void Line(StringBuilder sb, string key, TimeSpan? value)
    {
        if (value is { } t)
        {
            sb.Append("  ").Append(key).Append(" = ").Append(((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)).AppendLine("ms");
        }
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}

/// <summary>Akka.Hosting extension registering <see cref="EtcdLease"/>.</summary>
public static class EtcdLeaseHostingExtensions
{
    /// <summary>Adds the <c>akka.coordination.lease.etcd</c> section; returns the builder.</summary>
    public static AkkaConfigurationBuilder WithEtcdLease(this AkkaConfigurationBuilder builder, EtcdLeaseOption option)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Apply(builder);
        return builder;
    }

    /// <summary>Adds the <c>akka.coordination.lease.etcd</c> section configured by <paramref name="configure"/>.</summary>
    public static AkkaConfigurationBuilder WithEtcdLease(this AkkaConfigurationBuilder builder, Action<EtcdLeaseOption> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var option = new EtcdLeaseOption();
        configure(option);
        return builder.WithEtcdLease(option);
    }
}
