using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Coordinators.Actors.Config;

/// <summary>
/// Maps the <c>coordinators</c> section onto <see cref="CoordinatorsOptions"/> key by key. The
/// hyphenated HOCON names are mapped here explicitly rather than by the binder, and every value
/// that does not parse is reported with its key, its value and the file (or variable) it came from.
/// </summary>
internal sealed class CoordinatorsOptionsReader
{
    private const string Prefix = CoordinatorsOptions.SectionName + ":";

    private readonly IConfigurationRoot _configuration;
    private readonly List<string> _errors = [];

    private CoordinatorsOptionsReader(IConfigurationRoot configuration) => _configuration = configuration;

    /// <summary>Reads and validates; throws <see cref="CoordinatorsConfigurationException"/> listing every problem.</summary>
    public static CoordinatorsOptions Read(IConfigurationRoot configuration)
    {
        var reader = new CoordinatorsOptionsReader(configuration);
        var options = reader.ReadAll() with { AkkaHocon = AkkaSection(configuration) };
        if (reader._errors.Count == 0)
        {
            foreach (var problem in options.Validate())
            {
                reader.Error(problem.Key, problem.Message, Format(CoordinatorsOptionKeys.All.First(k => k.Key == problem.Key).Value(options)));
            }
        }

        return reader._errors.Count == 0 ? options : throw new CoordinatorsConfigurationException(reader._errors);
    }

    /// <summary>Formats an option value the way HOCON writes it: durations as 10s, booleans as on/off, strings quoted.</summary>
    public static string Format(object? value) => value switch
    {
        null => "null",
        TimeSpan t => Duration.Format(t),
        bool b => b ? "on" : "off",
        int i => i.ToString(CultureInfo.InvariantCulture),
        string s => Quote(s),
        IEnumerable<string> list => "[" + string.Join(", ", list.Select(Quote)) + "]",
        _ => Quote(value.ToString() ?? ""),
    };

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private CoordinatorsOptions ReadAll()
    {
        foreach (var (key, value) in _configuration.GetSection(CoordinatorsOptions.SectionName).AsEnumerable(makePathsRelative: true))
        {
            if (value is not null && !CoordinatorsOptionKeys.IsKnown(key))
            {
                Error(key, "unknown key: expected one of the keys listed in hocon/reference.conf");
            }
        }

        var o = new CoordinatorsOptions();
        if (String("root") is { } root) o = o with { Root = root };
        if (String("listen") is { } listen) o = o with { Listen = listen };
        if (String("http:listen") is { Length: > 0 } http) o = o with { HttpListen = http };
        if (Bool("exit-on-session-loss") is { } exit) o = o with { ExitOnSessionLoss = exit };
        if (Bool("crash-guard") is { } guard) o = o with { CrashGuard = guard };

        var etcd = o.Etcd;
        if (Endpoints() is { } endpoints) etcd = etcd with { Endpoints = endpoints };
        if (String("etcd:username") is { } user) etcd = etcd with { Username = user };
        if (String("etcd:password") is { } password) etcd = etcd with { Password = password };
        var tls = etcd.Tls;
        if (String("etcd:tls:ca-file") is { } ca) tls = tls with { CaFile = ca };
        if (String("etcd:tls:cert-file") is { } cert) tls = tls with { CertFile = cert };
        if (String("etcd:tls:key-file") is { } keyFile) tls = tls with { KeyFile = keyFile };
        o = o with { Etcd = etcd with { Tls = tls } };

        var session = o.Session;
        if (Time("session:ttl") is { } ttl) session = session with { Ttl = ttl };
        if (Time("session:keep-alive-interval") is { } keepAlive) session = session with { KeepAliveInterval = keepAlive };
        if (Time("session:lease-guard-margin") is { } margin) session = session with { LeaseGuardMargin = margin };
        o = o with { Session = session };

        var election = o.Election;
        if (Time("election:warm-up-interval") is { } warmUp) election = election with { WarmUpInterval = warmUp };
        if (Time("election:resign-timeout") is { } resign) election = election with { ResignTimeout = resign };
        if (Bool("election:warm-jit") is { } jit) election = election with { WarmJit = jit };
        var rootCoord = o.RootCoord;
        if (Time("rootcoord:tso-window") is { } window) rootCoord = rootCoord with { TsoWindow = window };
        if (Int("rootcoord:id-block") is { } block) rootCoord = rootCoord with { IdBlock = block };
        o = o with { RootCoord = rootCoord };
        if (Bool("datacoord:warm-standby") is { } warm) o = o with { DataCoord = o.DataCoord with { WarmStandby = warm } };
        var health = o.HealthCheck;
        if (Time("health-check:interval") is { } interval) health = health with { Interval = interval };
        if (Time("health-check:timeout") is { } healthTimeout) health = health with { Timeout = healthTimeout };
        if (Int("health-check:failures") is { } failures) health = health with { Failures = failures };
        return o with { Election = election, Connect = Policy("connect", o.Connect), Call = Policy("call", o.Call), HealthCheck = health };
    }

    private RetryPolicyOptions Policy(string prefix, RetryPolicyOptions p)
    {
        if (Int($"{prefix}:max-attempts") is { } attempts) p = p with { MaxAttempts = attempts };
        if (Time($"{prefix}:attempt-timeout") is { } timeout) p = p with { AttemptTimeout = timeout };
        if (Time($"{prefix}:backoff") is { } backoff) p = p with { Backoff = backoff };
        if (Time($"{prefix}:max-backoff") is { } maxBackoff) p = p with { MaxBackoff = maxBackoff };
        return p;
    }

    private string? String(string key) => _configuration[Prefix + key];

    /// <summary>
    /// The <c>akka</c> section as HOCON text for the ActorSystem (every leaf as a quoted path = value line; HOCON reads
    /// quoted numbers, durations and booleans as Akka expects), or null when there is none. Arrays come through
    /// Microsoft.Extensions.Configuration as numbered keys and are written back as lists.
    /// </summary>
    internal static string? AkkaSection(IConfiguration configuration)
    {
        var leaves = configuration.GetSection("akka").AsEnumerable(makePathsRelative: false)
            .Where(kv => kv.Value is not null)
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .ToList();
        if (leaves.Count == 0)
        {
            return null;
        }
        var lines = new System.Text.StringBuilder();
        foreach (var group in leaves.GroupBy(kv => ListParent(kv.Key) ?? kv.Key))
        {
            var path = string.Join('.', group.Key.Split(':').Select(Quote));
            var values = group.Select(kv => Quote(kv.Value!));
            lines.Append(path).Append(" = ").AppendLine(ListParent(group.First().Key) is null ? values.Single() : "[" + string.Join(", ", values) + "]");
        }
        return lines.ToString();

        static string? ListParent(string key)
        {
            var colon = key.LastIndexOf(':');
            return colon > 0 && key[(colon + 1)..].All(char.IsAsciiDigit) ? key[..colon] : null;
        }
    }

    private TimeSpan? Time(string key)
    {
        var raw = String(key);
        if (raw is null)
        {
            return null;
        }

        if (Duration.TryParse(raw, out var value))
        {
            return value;
        }

        Error(key, Duration.Expected);
        return null;
    }

    private bool? Bool(string key)
    {
        switch (String(key)?.Trim().ToLowerInvariant())
        {
            case null: return null;
            case "on" or "true" or "yes": return true;
            case "off" or "false" or "no": return false;
            default:
                Error(key, "expected on/off, true/false or yes/no");
                return null;
        }
    }

    private int? Int(string key)
    {
        var raw = String(key);
        if (raw is null)
        {
            return null;
        }

        if (int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        Error(key, "expected a whole number");
        return null;
    }

    /// <summary>
    /// An endpoint list is either an array (etcd:endpoints:0, :1, ...) or one comma-separated value;
    /// the single value wins, so an environment variable or --etcd replaces a longer list from the
    /// file instead of overwriting only its first elements.
    /// </summary>
    private List<string>? Endpoints()
    {
        var section = _configuration.GetSection(Prefix + "etcd:endpoints");
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            return [.. section.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }

        var items = section.GetChildren()
            .Where(c => c.Value is not null)
            .OrderBy(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue)
            .Select(c => c.Value!.Trim())
            .ToList();
        return items.Count == 0 ? null : items;
    }

    private void Error(string key, string message, string? shownValue = null)
    {
        var fullKey = Prefix + key;
        var raw = _configuration[fullKey];
        var value = raw is not null ? Format(raw) : shownValue ?? "(not set)";
        if (CoordinatorsOptionKeys.IsSecret(key) && !string.IsNullOrEmpty(raw))
        {
            value = "\"******\"";
        }

        // A list has no value of its own; its first element tells where it was written.
        var originKey = raw is not null
            ? fullKey
            : _configuration.GetSection(fullKey).AsEnumerable().FirstOrDefault(kv => kv.Value is not null).Key ?? fullKey;
        _errors.Add($"{fullKey} = {value} in {ConfigurationOrigin.Describe(_configuration, originKey)}: {message}");
    }
}
