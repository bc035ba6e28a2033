namespace Coordinators.Actors.Config.Hocon;

internal enum HoconTokenKind
{
    LeftBrace,
    RightBrace,
    LeftBracket,
    RightBracket,
    /// <summary>'=' or ':' between a key and its value.</summary>
    Separator,
    /// <summary>'+=', recognised only to reject it with a clear message.</summary>
    PlusEquals,
    Comma,
    Newline,
    /// <summary>Spaces and tabs; kept because they are part of a concatenated string value.</summary>
    Whitespace,
    Unquoted,
    Quoted,
    TripleQuoted,
    /// <summary><c>${path}</c> or <c>${?path}</c>; Text holds the path expression.</summary>
    Substitution,
    End,
}

/// <summary>One token: its kind, its text (unescaped for quoted strings) and where it starts.</summary>
internal sealed record HoconToken(HoconTokenKind Kind, string Text, HoconPosition Position, bool Optional = false)
{
    public bool IsValuePart => Kind is HoconTokenKind.Unquoted or HoconTokenKind.Quoted
        or HoconTokenKind.TripleQuoted or HoconTokenKind.Substitution;

    public string Describe() => Kind switch
    {
        HoconTokenKind.LeftBrace => "'{'",
        HoconTokenKind.RightBrace => "'}'",
        HoconTokenKind.LeftBracket => "'['",
        HoconTokenKind.RightBracket => "']'",
        HoconTokenKind.Separator => $"'{Text}'",
        HoconTokenKind.PlusEquals => "'+='",
        HoconTokenKind.Comma => "','",
        HoconTokenKind.Newline => "the end of the line",
        HoconTokenKind.Whitespace => "whitespace",
        HoconTokenKind.Unquoted => $"'{Text}'",
        HoconTokenKind.Quoted or HoconTokenKind.TripleQuoted => $"the string \"{Text}\"",
        HoconTokenKind.Substitution => $"the substitution ${{{(Optional ? "?" : "")}{Text}}}",
        _ => "the end of the file",
    };
}
