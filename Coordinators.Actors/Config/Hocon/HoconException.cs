namespace Coordinators.Actors.Config.Hocon;

/// <summary>
/// A HOCON file could not be read: a syntax error, an unsupported feature, a failed include or an
/// unresolved substitution. The message starts with <c>file:line:column</c> and says what was expected.
/// </summary>
public sealed class HoconException : Exception
{
    /// <summary>Creates the exception for a problem at <paramref name="position"/>.</summary>
    public HoconException(HoconPosition position, string reason)
        : base($"{position}: {reason}")
    {
        File = position.File;
        Line = position.Line;
        Column = position.Column;
        Reason = reason;
    }

    /// <summary>The full path of the file holding the problem.</summary>
    public string File { get; }

    /// <summary>The 1-based line of the problem, 0 when the whole file is concerned (e.g. it is missing).</summary>
    public int Line { get; }

    /// <summary>The 1-based column of the problem, 0 when the whole file is concerned.</summary>
    public int Column { get; }

    /// <summary>What went wrong and what was expected, without the position.</summary>
    public string Reason { get; }
}
