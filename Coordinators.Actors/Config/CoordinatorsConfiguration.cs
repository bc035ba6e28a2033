using System.Collections;
using Coordinators.Actors.Config.Hocon;
using Microsoft.Extensions.Configuration;

namespace Coordinators.Actors.Config;

/// <summary>
/// The loaded configuration of a coordinators process: the merged <see cref="IConfigurationRoot"/>
/// and the validated <see cref="CoordinatorsOptions"/> read from it. Sources, later ones winning:
/// the HOCON file, then <c>COORDINATORS__SECTION__KEY</c> environment variables, then overrides
/// (command-line switches). Every Host command loads its configuration through <see cref="Load"/>.
/// </summary>
public sealed class CoordinatorsConfiguration
{
    private CoordinatorsConfiguration(CoordinatorsOptions options, IConfigurationRoot configuration, string? configFile)
    {
        Options = options;
        Configuration = configuration;
        ConfigFile = configFile;
    }

    /// <summary>The validated options.</summary>
    public CoordinatorsOptions Options { get; }

    /// <summary>All merged keys, including sections other than <c>coordinators</c> a file may hold.</summary>
    public IConfigurationRoot Configuration { get; }

    /// <summary>The full path of the HOCON file read, or null when none was given.</summary>
    public string? ConfigFile { get; }

    /// <summary>
    /// Reads <paramref name="configFile"/> (optional), the environment and <paramref name="overrides"/>
    /// (full keys such as <c>coordinators:session:ttl</c>), and validates the options.
    /// </summary>
    /// <param name="configFile">A HOCON file; it must exist when given.</param>
    /// <param name="overrides">Keys set last, typically from command-line switches.</param>
    /// <param name="environment">Environment variables; null means the process environment. Used for
    /// <c>COORDINATORS__...</c> overrides and for <c>${?NAME}</c> substitutions in the file.</param>
    /// <exception cref="HoconException">The file is missing or malformed (the message names file:line:column).</exception>
    /// <exception cref="CoordinatorsConfigurationException">A value is invalid (the message names the key and its source).</exception>
    public static CoordinatorsConfiguration Load(
        string? configFile = null,
        IEnumerable<KeyValuePair<string, string?>>? overrides = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        environment ??= ProcessEnvironment();
        var builder = new ConfigurationBuilder();
        string? fullPath = null;
        if (configFile is not null)
        {
            fullPath = Path.GetFullPath(configFile);
            builder.AddHoconFile(fullPath, optional: false, name => environment.TryGetValue(name, out var v) ? v : null);
        }

        builder.Add(new CoordinatorsEnvironmentSource(environment));
        if (overrides is not null)
        {
            builder.AddInMemoryCollection(overrides);
        }

        var configuration = builder.Build();
        return new CoordinatorsConfiguration(CoordinatorsOptionsReader.Read(configuration), configuration, fullPath);
    }

    /// <summary>Where a key got its value: file:line:column, "environment variable NAME", "command-line switch" or "default".</summary>
    public string DescribeOrigin(string key) => ConfigurationOrigin.Describe(Configuration, key);

    /// <summary>
    /// The effective options as <c>coordinators.key = value</c> pairs in reference.conf order, with
    /// defaults filled in and secrets masked as ******; what <c>coordinators config print</c> shows.
    /// </summary>
    public IReadOnlyList<(string Key, string Value, string Origin)> Describe()
    {
        var lines = new List<(string, string, string)>();
        foreach (var (key, get) in CoordinatorsOptionKeys.All)
        {
            var value = get(Options);
            var text = CoordinatorsOptionKeys.IsSecret(key) && value is string { Length: > 0 }
                ? "\"******\""
                : CoordinatorsOptionsReader.Format(value);
            var fullKey = $"{CoordinatorsOptions.SectionName}:{key}";
            // A list has no value of its own (its first element tells where it was written); a null is a default.
            var originKey = Configuration[fullKey] is not null
                ? fullKey
                : Configuration.GetSection(fullKey).AsEnumerable().FirstOrDefault(kv => kv.Value is not null).Key;
            lines.Add((fullKey.Replace(':', '.'), text, originKey is null ? "default" : DescribeOrigin(originKey)));
        }

        return lines;
    }

    private static Dictionary<string, string> ProcessEnvironment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            result[(string)entry.Key] = (string?)entry.Value ?? "";
        }

        return result;
    }
}
