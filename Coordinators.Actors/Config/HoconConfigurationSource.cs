using Microsoft.Extensions.Configuration;

namespace Coordinators.Actors.Config;

/// <summary>A HOCON file as a configuration source; add it with <see cref="HoconConfigurationExtensions.AddHoconFile(IConfigurationBuilder, string, bool)"/>.</summary>
public sealed class HoconConfigurationSource : IConfigurationSource
{
    /// <summary>The file to read; a relative path is taken from the current directory.</summary>
    public required string Path { get; init; }

    /// <summary>When true a missing file adds no keys instead of failing.</summary>
    public bool Optional { get; init; }

    /// <summary>Answers <c>${?NAME}</c> and unknown substitution paths; null means the process environment.</summary>
    public Func<string, string?>? Environment { get; init; }

    /// <inheritdoc />
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new HoconConfigurationProvider(this);
}
