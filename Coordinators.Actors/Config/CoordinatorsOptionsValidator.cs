using System.Globalization;

namespace Coordinators.Actors.Config;

/// <summary>The rules options must satisfy before anything starts; keys are relative to the section.</summary>
internal static class CoordinatorsOptionsValidator
{
    public static IReadOnlyList<OptionsProblem> Validate(CoordinatorsOptions o)
    {
        var problems = new List<OptionsProblem>();
        void Fail(string key, string message) => problems.Add(new OptionsProblem(key, message));

        if (string.IsNullOrWhiteSpace(o.Root) || o.Root.StartsWith('/') || o.Root.EndsWith('/') || o.Root.Any(char.IsWhiteSpace))
        {
            Fail("root", "expected a non-empty etcd key prefix without spaces and without a leading or trailing '/'");
        }

        if (!TryParseListen(o.Listen))
        {
            Fail("listen", "expected host:port with a port from 0 to 65535, e.g. 127.0.0.1:5000 or 0.0.0.0:0");
        }
        if (o.HttpListen is { } http && !TryParseListen(http))
        {
            Fail("http:listen", "expected host:port with a port from 0 to 65535, e.g. 0.0.0.0:9091, or leave it out to turn HTTP off");
        }

        if (o.Etcd.Endpoints.Count == 0)
        {
            Fail("etcd:endpoints", "expected at least one etcd endpoint, e.g. [\"http://127.0.0.1:2379\"]");
        }

        foreach (var endpoint in o.Etcd.Endpoints)
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Port <= 0)
            {
                Fail("etcd:endpoints", $"\"{endpoint}\" is not an etcd endpoint: expected http://host:port or https://host:port");
            }
        }

        if (string.IsNullOrEmpty(o.Etcd.Username) != string.IsNullOrEmpty(o.Etcd.Password))
        {
            Fail(string.IsNullOrEmpty(o.Etcd.Username) ? "etcd:username" : "etcd:password", "etcd.username and etcd.password must be set together");
        }

        if (string.IsNullOrEmpty(o.Etcd.Tls.CertFile) != string.IsNullOrEmpty(o.Etcd.Tls.KeyFile))
        {
            Fail(string.IsNullOrEmpty(o.Etcd.Tls.CertFile) ? "etcd:tls:cert-file" : "etcd:tls:key-file", "etcd.tls.cert-file and etcd.tls.key-file must be set together");
        }

        foreach (var (key, file) in new[] { ("etcd:tls:ca-file", o.Etcd.Tls.CaFile), ("etcd:tls:cert-file", o.Etcd.Tls.CertFile), ("etcd:tls:key-file", o.Etcd.Tls.KeyFile) })
        {
            if (!string.IsNullOrEmpty(file) && !File.Exists(file))
            {
                Fail(key, $"file not found: {Path.GetFullPath(file)}");
            }
        }

        var s = o.Session;
        if (s.Ttl < TimeSpan.FromSeconds(2))
        {
            Fail("session:ttl", "must be at least 2s: etcd raises shorter lease TTLs to 2s");
        }
        else if (s.Ttl.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            Fail("session:ttl", "must be whole seconds: etcd lease TTLs count seconds");
        }

        if (s.KeepAliveInterval <= TimeSpan.Zero || s.KeepAliveInterval >= s.Ttl / 2)
        {
            // The lease-guard bound depends on the keep-alive interval, so it is only checked once that is valid.
            Fail("session:keep-alive-interval", $"must be above 0 and below half the session TTL ({Duration.Format(s.Ttl / 2)}), so one lost renewal does not expire the lease");
        }

        else if (s.LeaseGuardMargin <= TimeSpan.Zero || s.LeaseGuardMargin >= s.Ttl - s.KeepAliveInterval)
        {
            Fail("session:lease-guard-margin", $"must be above 0 and below the TTL minus the keep-alive interval ({Duration.Format(s.Ttl - s.KeepAliveInterval)}), or a healthy primary would stop serving between renewals");
        }

        Positive("election:warm-up-interval", o.Election.WarmUpInterval);
        Positive("election:resign-timeout", o.Election.ResignTimeout);
        Positive("rootcoord:tso-window", o.RootCoord.TsoWindow);
        if (o.RootCoord.IdBlock < 1)
        {
            Fail("rootcoord:id-block", "must be 1 or more");
        }
        Policy("connect", o.Connect);
        Policy("call", o.Call);
        var health = o.HealthCheck;
        if (health.Interval < TimeSpan.Zero)
        {
            Fail("health-check:interval", "must be 0 (checks off) or above");
        }
        Positive("health-check:timeout", health.Timeout);
        if (health.Failures < 1)
        {
            Fail("health-check:failures", "must be at least 1");
        }
        return problems;

        void Positive(string key, TimeSpan value)
        {
            if (value <= TimeSpan.Zero)
            {
                Fail(key, "must be above 0");
            }
        }

        void Policy(string prefix, RetryPolicyOptions p)
        {
            if (p.MaxAttempts < 1)
            {
                Fail($"{prefix}:max-attempts", "must be at least 1");
            }

            Positive($"{prefix}:attempt-timeout", p.AttemptTimeout);
            if (p.MaxBackoff < p.Backoff)
            {
                Fail($"{prefix}:max-backoff", $"must not be below {prefix}.backoff ({Duration.Format(p.Backoff)})");
            }
        }
    }

    /// <summary>Accepts host:port (IPv6 hosts in brackets) with a port from 0 to 65535.</summary>
    public static bool TryParseListen(string? listen)
    {
        var colon = listen?.LastIndexOf(':') ?? -1;
        return colon > 0
            && int.TryParse(listen![(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port <= 65535
            && !listen[..colon].Any(char.IsWhiteSpace);
    }
}
