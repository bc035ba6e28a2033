namespace Coordinators.Actors.Config.Hocon;

/// <summary>A node of the parsed document. Substitutions stay in the tree until the resolver replaces them.</summary>
internal abstract class HoconValue(HoconPosition position)
{
    /// <summary>Where the value starts; configuration keys report this as their origin.</summary>
    public HoconPosition Position { get; } = position;
}

/// <summary>An object; fields keep their first-definition order so printing follows the file.</summary>
internal sealed class HoconObject(HoconPosition position) : HoconValue(position)
{
    public OrderedDictionary<string, HoconValue> Fields { get; } = new(StringComparer.Ordinal);
}

internal sealed class HoconArray(HoconPosition position) : HoconValue(position)
{
    public List<HoconValue> Items { get; } = [];
}

/// <summary>A string, number, boolean or null. <see cref="Text"/> is null only for null.</summary>
internal sealed class HoconScalar(HoconPosition position, string? text) : HoconValue(position)
{
    public string? Text { get; } = text;
}

/// <summary>
/// A value that still holds substitutions: the parts are scalars, whitespace scalars and
/// substitutions, joined as a string (or, for a lone substitution, replaced by its target).
/// </summary>
internal sealed class HoconUnresolved(HoconPosition position, IReadOnlyList<HoconValue> parts) : HoconValue(position)
{
    public IReadOnlyList<HoconValue> Parts { get; } = parts;

    /// <summary>
    /// The value this field had before this one replaced it; kept because an undefined optional
    /// substitution (<c>a = ${?X}</c>) leaves the earlier value in place.
    /// </summary>
    public HoconValue? Previous { get; set; }
}

internal sealed class HoconSubstitution(HoconPosition position, IReadOnlyList<string> path, bool optional) : HoconValue(position)
{
    public IReadOnlyList<string> Path { get; } = path;

    public bool Optional { get; } = optional;

    public override string ToString() => $"${{{(Optional ? "?" : "")}{string.Join('.', Path)}}}";
}
