using Microsoft.Extensions.Configuration;

namespace Coordinators.Actors.Config;

/// <summary>Adds HOCON files to a configuration builder, like AddJsonFile does for JSON.</summary>
public static class HoconConfigurationExtensions
{
    /// <summary>
    /// Adds the HOCON file at <paramref name="path"/> (relative paths from the current directory).
    /// Sources added later (environment variables, command-line switches) override its keys.
    /// </summary>
    public static IConfigurationBuilder AddHoconFile(this IConfigurationBuilder builder, string path, bool optional = false) =>
        builder.Add(new HoconConfigurationSource { Path = path, Optional = optional });

    /// <summary>Adds a HOCON file whose <c>${?NAME}</c> substitutions are answered by <paramref name="environment"/> (tests use this).</summary>
    public static IConfigurationBuilder AddHoconFile(this IConfigurationBuilder builder, string path, bool optional, Func<string, string?> environment) =>
        builder.Add(new HoconConfigurationSource { Path = path, Optional = optional, Environment = environment });
}
