using Coordinators.Actors.Config.Hocon;
using Microsoft.Extensions.Configuration;

namespace Coordinators.Actors.Config;

/// <summary>
/// Loads a HOCON file into configuration keys (<c>a:b:c</c>, arrays as <c>a:0</c>, <c>a:1</c>) and
/// remembers where each key was written, so a bad value can be reported with its file and line.
/// A syntax error throws <see cref="HoconException"/> from <see cref="Load"/>.
/// </summary>
public sealed class HoconConfigurationProvider : ConfigurationProvider
{
    private readonly HoconConfigurationSource _source;
    // Origin of every key in Data; replaced as a whole on each Load.
    private IReadOnlyDictionary<string, HoconPosition> _positions = new Dictionary<string, HoconPosition>();

    /// <summary>Creates a provider for <paramref name="source"/>; nothing is read until <see cref="Load"/>.</summary>
    public HoconConfigurationProvider(HoconConfigurationSource source)
    {
        _source = source;
        FullPath = System.IO.Path.GetFullPath(source.Path);
    }

    /// <summary>The absolute path of the file this provider reads.</summary>
    public string FullPath { get; }

    /// <inheritdoc />
    public override void Load()
    {
        if (_source.Optional && !File.Exists(FullPath))
        {
            Data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            _positions = new Dictionary<string, HoconPosition>();
            return;
        }

        var document = HoconDocument.Load(FullPath, _source.Environment);
        Data = new Dictionary<string, string?>(document.Values, StringComparer.OrdinalIgnoreCase);
        _positions = document.Positions;
    }

    /// <summary>Finds the file, line and column where <paramref name="key"/> got its value (the file may be an included one).</summary>
    public bool TryGetPosition(string key, out HoconPosition position) => _positions.TryGetValue(key, out position);

    /// <inheritdoc />
    public override string ToString() => $"HOCON file {FullPath}";
}
