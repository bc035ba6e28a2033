namespace Coordinators.Actors.Config.Hocon;

/// <summary>A place in a HOCON file: the file's full path and a 1-based line and column (0 when unknown).</summary>
public readonly record struct HoconPosition(string File, int Line, int Column)
{
    /// <summary>Formats as <c>file:line:column</c>, the form compilers use, or just the file when no line is known.</summary>
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}" : File;
}
