using Microsoft.Extensions.Configuration;

namespace Coordinators.Actors.Config;

/// <summary>
/// Environment variables named <c>COORDINATORS__SECTION__KEY</c> as configuration keys
/// <c>coordinators:section:key</c>: a double underscore separates sections and a single underscore
/// stands for the hyphen of HOCON keys, since shells cannot export names with '-'
/// (<c>COORDINATORS__SESSION__KEEP_ALIVE_INTERVAL</c> sets <c>coordinators.session.keep-alive-interval</c>).
/// </summary>
internal sealed class CoordinatorsEnvironmentSource(IReadOnlyDictionary<string, string> variables) : IConfigurationSource
{
    public const string Prefix = "COORDINATORS__";

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new CoordinatorsEnvironmentProvider(variables);

    /// <summary>The configuration key an environment variable sets, or null when it is not one of ours.</summary>
    public static string? KeyFor(string variable) =>
        variable.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) && variable.Length > Prefix.Length
            ? variable.Replace("__", ":", StringComparison.Ordinal).Replace('_', '-').ToLowerInvariant()
            : null;

    /// <summary>The environment variable that sets a configuration key (the inverse of <see cref="KeyFor"/>).</summary>
    public static string VariableFor(string key) =>
        key.Replace(":", "__", StringComparison.Ordinal).Replace('-', '_').ToUpperInvariant();
}

internal sealed class CoordinatorsEnvironmentProvider(IReadOnlyDictionary<string, string> variables) : ConfigurationProvider
{
    public override void Load()
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in variables)
        {
            if (CoordinatorsEnvironmentSource.KeyFor(name) is { } key)
            {
                data[key] = value;
            }
        }

        Data = data;
    }

    public override string ToString() => "environment variables";
}
