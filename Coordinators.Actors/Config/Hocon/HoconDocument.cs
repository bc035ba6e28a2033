using System.Globalization;

namespace Coordinators.Actors.Config.Hocon;

/// <summary>
/// A parsed and resolved HOCON document flattened into configuration keys the way
/// Microsoft.Extensions.Configuration writes them: path elements joined by ':', array elements as
/// 0, 1, ... Each key remembers the file, line and column its value came from.
/// </summary>
internal sealed class HoconDocument
{
    private HoconDocument(Dictionary<string, string?> values, Dictionary<string, HoconPosition> positions)
    {
        Values = values;
        Positions = positions;
    }

    /// <summary>Every leaf key and its value (null for HOCON null); keys compare case-insensitively as in .NET configuration.</summary>
    public IReadOnlyDictionary<string, string?> Values { get; }

    /// <summary>Where each key's value was written.</summary>
    public IReadOnlyDictionary<string, HoconPosition> Positions { get; }

    /// <summary>Reads, resolves and flattens a file; <paramref name="environment"/> answers ${?NAME} (default: the process environment).</summary>
    public static HoconDocument Load(string path, Func<string, string?>? environment = null) =>
        Build(HoconParser.ParseFile(path), environment);

    /// <summary>Reads text as if it were the file <paramref name="file"/>; includes resolve next to that name.</summary>
    public static HoconDocument Parse(string text, string file, Func<string, string?>? environment = null) =>
        Build(HoconParser.ParseText(text, file), environment);

    private static HoconDocument Build(HoconObject root, Func<string, string?>? environment)
    {
        HoconResolver.Resolve(root, environment ?? Environment.GetEnvironmentVariable);
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var positions = new Dictionary<string, HoconPosition>(StringComparer.OrdinalIgnoreCase);
        Flatten(root, prefix: null, values, positions);
        return new HoconDocument(values, positions);
    }

    private static void Flatten(HoconValue value, string? prefix, Dictionary<string, string?> values, Dictionary<string, HoconPosition> positions)
    {
        switch (value)
        {
            case HoconObject obj:
                foreach (var (key, child) in obj.Fields)
                {
                    Flatten(child, prefix is null ? key : $"{prefix}:{key}", values, positions);
                }

                break;
            case HoconArray array:
                for (var i = 0; i < array.Items.Count; i++)
                {
                    Flatten(array.Items[i], $"{prefix}:{i.ToString(CultureInfo.InvariantCulture)}", values, positions);
                }

                break;
            case HoconScalar scalar:
                values[prefix!] = scalar.Text;
                positions[prefix!] = scalar.Position;
                break;
        }
    }
}
