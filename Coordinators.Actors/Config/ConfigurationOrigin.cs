using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace Coordinators.Actors.Config;

/// <summary>Says where a configuration key got its value, for error messages and <c>config print</c>.</summary>
internal static class ConfigurationOrigin
{
    /// <summary>
    /// The file:line:column of a HOCON key, "environment variable NAME", "command-line switch", or
    /// "default" when no source sets the key. The last provider that has the key wins, as in IConfiguration.
    /// </summary>
    public static string Describe(IConfigurationRoot configuration, string key)
    {
        foreach (var provider in configuration.Providers.Reverse())
        {
            if (!provider.TryGet(key, out _))
            {
                continue;
            }

            return provider switch
            {
                HoconConfigurationProvider hocon => hocon.TryGetPosition(key, out var position) ? position.ToString() : hocon.FullPath,
                CoordinatorsEnvironmentProvider => $"environment variable {CoordinatorsEnvironmentSource.VariableFor(key)}",
                MemoryConfigurationProvider => "command-line switch",
                _ => provider.ToString() ?? provider.GetType().Name,
            };
        }

        return "default";
    }
}
