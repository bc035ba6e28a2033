namespace Coordinators.Actors.Config;

/// <summary>
/// Every key of the <c>coordinators</c> section (relative, ':'-separated) with the option it sets.
/// The reader rejects keys not listed here, so a typo fails start-up instead of being ignored;
/// hocon/reference.conf must list the same keys (a test checks it).
/// </summary>
internal static class CoordinatorsOptionKeys
{
    public static IReadOnlyList<(string Key, Func<CoordinatorsOptions, object?> Value)> All { get; } =
    [
        ("root", o => o.Root),
        ("listen", o => o.Listen),
        ("http:listen", o => o.HttpListen),
        ("exit-on-session-loss", o => o.ExitOnSessionLoss),
        ("crash-guard", o => o.CrashGuard),
        ("etcd:endpoints", o => o.Etcd.Endpoints),
        ("etcd:username", o => o.Etcd.Username),
        ("etcd:password", o => o.Etcd.Password),
        ("etcd:tls:ca-file", o => o.Etcd.Tls.CaFile),
        ("etcd:tls:cert-file", o => o.Etcd.Tls.CertFile),
        ("etcd:tls:key-file", o => o.Etcd.Tls.KeyFile),
        ("session:ttl", o => o.Session.Ttl),
        ("session:keep-alive-interval", o => o.Session.KeepAliveInterval),
        ("session:lease-guard-margin", o => o.Session.LeaseGuardMargin),
        ("election:warm-up-interval", o => o.Election.WarmUpInterval),
        ("election:resign-timeout", o => o.Election.ResignTimeout),
        ("election:warm-jit", o => o.Election.WarmJit),
        ("rootcoord:tso-window", o => o.RootCoord.TsoWindow),
        ("rootcoord:id-block", o => o.RootCoord.IdBlock),
        ("datacoord:warm-standby", o => o.DataCoord.WarmStandby),
        ("connect:max-attempts", o => o.Connect.MaxAttempts),
        ("connect:attempt-timeout", o => o.Connect.AttemptTimeout),
        ("connect:backoff", o => o.Connect.Backoff),
        ("connect:max-backoff", o => o.Connect.MaxBackoff),
        ("call:max-attempts", o => o.Call.MaxAttempts),
        ("call:attempt-timeout", o => o.Call.AttemptTimeout),
        ("call:backoff", o => o.Call.Backoff),
        ("call:max-backoff", o => o.Call.MaxBackoff),
        ("health-check:interval", o => o.HealthCheck.Interval),
        ("health-check:timeout", o => o.HealthCheck.Timeout),
        ("health-check:failures", o => o.HealthCheck.Failures),
    ];

    /// <summary>Keys whose values are secrets and are printed as ******.</summary>
    public static bool IsSecret(string key) =>
        key.EndsWith("password", StringComparison.OrdinalIgnoreCase)
        || key.EndsWith("token", StringComparison.OrdinalIgnoreCase)
        || key.EndsWith("secret", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="relativeKey"/> is a known key or an element of a list key (etcd:endpoints:0).</summary>
    public static bool IsKnown(string relativeKey)
    {
        foreach (var (key, _) in All)
        {
            if (string.Equals(relativeKey, key, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        const string endpoints = "etcd:endpoints:";
        return relativeKey.StartsWith(endpoints, StringComparison.OrdinalIgnoreCase)
            && relativeKey[endpoints.Length..].All(char.IsAsciiDigit);
    }
}
