using System.Text;

namespace Coordinators.Actors.Config.Hocon;

/// <summary>
/// Builds the object tree of one HOCON file from its tokens, following includes. Substitutions are
/// left in the tree (<see cref="HoconUnresolved"/>) for <see cref="HoconResolver"/>, because they may
/// refer to keys defined later in the document.
/// </summary>
internal sealed class HoconParser
{
    private static readonly string[] _unsupportedIncludes = ["url(", "file(", "classpath(", "required("];

    private readonly List<HoconToken> _tokens;
    private readonly string _file;
    // Files being parsed, outermost first; an include of one of them is a cycle.
    private readonly IReadOnlyList<string> _chain;
    private int _pos;

    private HoconParser(List<HoconToken> tokens, string file, IReadOnlyList<string> chain)
    {
        _tokens = tokens;
        _file = file;
        _chain = chain;
    }

    private HoconToken Current => _tokens[_pos];

    /// <summary>Parses a file (and its includes) into an unresolved tree.</summary>
    public static HoconObject ParseFile(string path) => ParseFile(Path.GetFullPath(path), [], includedAt: null);

    /// <summary>Parses text as if it were the file <paramref name="file"/> (includes resolve next to it).</summary>
    public static HoconObject ParseText(string text, string file) =>
        new HoconParser(HoconTokenizer.Tokenize(text, file), file, [file]).ParseRoot();

    private static HoconObject ParseFile(string fullPath, IReadOnlyList<string> chain, HoconPosition? includedAt)
    {
        if (!File.Exists(fullPath))
        {
            throw includedAt is { } at
                ? new HoconException(at, $"included file not found: {fullPath}")
                : new HoconException(new HoconPosition(fullPath, 0, 0), "configuration file not found");
        }

        var text = File.ReadAllText(fullPath);
        return new HoconParser(HoconTokenizer.Tokenize(text, fullPath), fullPath, [.. chain, fullPath]).ParseRoot();
    }

    private HoconObject ParseRoot()
    {
        SkipWhitespaceAndNewlines();
        HoconObject root;
        if (Current.Kind == HoconTokenKind.LeftBrace)
        {
            root = ParseBracedObject();
            SkipWhitespaceAndNewlines();
            if (Current.Kind != HoconTokenKind.End)
            {
                throw Error(Current, $"expected the end of the file after the closing '}}' of the root object, found {Current.Describe()}");
            }
        }
        else if (Current.Kind == HoconTokenKind.LeftBracket)
        {
            throw Error(Current, "a configuration file must hold an object (fields, or '{ ... }'), not an array");
        }
        else
        {
            root = new HoconObject(new HoconPosition(_file, 1, 1));
            ParseFields(root, HoconTokenKind.End, opener: null);
        }

        return root;
    }

    private void ParseFields(HoconObject target, HoconTokenKind end, HoconToken? opener)
    {
        while (true)
        {
            SkipWhitespaceAndNewlines();
            var t = Current;
            if (t.Kind == end)
            {
                return;
            }

            if (t.Kind == HoconTokenKind.End)
            {
                throw Error(t, $"expected '}}' to close the object opened at line {opener!.Position.Line}, column {opener.Position.Column}, found the end of the file");
            }

            if (t.Kind == HoconTokenKind.RightBrace)
            {
                throw Error(t, "unexpected '}' with no matching '{'");
            }

            if (IsInclude())
            {
                ParseInclude(target);
            }
            else
            {
                ParseField(target);
            }

            SkipWhitespace();
            t = Current;
            if (t.Kind == HoconTokenKind.Comma)
            {
                _pos++;
            }
            else if (t.Kind != HoconTokenKind.Newline && t.Kind != end)
            {
                var closing = end == HoconTokenKind.End ? "the end of the file" : "'}'";
                throw Error(t, $"expected ',', a new line or {closing} after a field, found {t.Describe()}");
            }
        }
    }

    private void ParseField(HoconObject target)
    {
        var path = ParseKey();
        SkipWhitespace();
        var t = Current;
        HoconValue value;
        if (t.Kind == HoconTokenKind.Separator)
        {
            _pos++;
            SkipWhitespace();
            value = ParseValue();
        }
        else if (t.Kind == HoconTokenKind.LeftBrace)
        {
            value = ParseValue();
        }
        else if (t.Kind == HoconTokenKind.PlusEquals)
        {
            throw Error(t, "'+=' (append to an array) is not supported: write the whole array with '='");
        }
        else
        {
            throw Error(t, $"expected '=', ':' or '{{' after the key '{string.Join('.', path)}', found {t.Describe()}");
        }

        HoconMerge.Assign(target, path, value);
    }

    private List<string> ParseKey()
    {
        var elements = new List<string>();
        var current = new StringBuilder();
        var start = Current;
        var any = false;
        while (true)
        {
            var t = Current;
            if (t.Kind is HoconTokenKind.Unquoted or HoconTokenKind.Quoted or HoconTokenKind.TripleQuoted)
            {
                HoconPath.Append(elements, current, t.Text, quoted: t.Kind != HoconTokenKind.Unquoted, t.Position);
                any = true;
            }
            else if (t.Kind == HoconTokenKind.Whitespace && any && _tokens[_pos + 1].Kind is HoconTokenKind.Unquoted or HoconTokenKind.Quoted)
            {
                // HOCON keeps inner whitespace of a key: `a b = 1` sets the key "a b".
                current.Append(t.Text);
            }
            else if (t.Kind == HoconTokenKind.Substitution)
            {
                throw Error(t, "substitutions are not allowed in keys: expected a key such as a.b or \"a.b\"");
            }
            else
            {
                break;
            }

            _pos++;
        }

        if (!any)
        {
            throw Error(start, $"expected a key, found {start.Describe()}");
        }

        HoconPath.Complete(elements, current, start.Position);
        return elements;
    }

    private bool IsInclude() =>
        Current is { Kind: HoconTokenKind.Unquoted, Text: "include" }
        && _tokens[_pos + 1].Kind == HoconTokenKind.Whitespace
        && _tokens[_pos + 2].Kind is HoconTokenKind.Quoted or HoconTokenKind.Unquoted;

    private void ParseInclude(HoconObject target)
    {
        var at = Current.Position;
        _pos++;
        SkipWhitespace();
        var t = Current;
        if (t.Kind == HoconTokenKind.Unquoted && _unsupportedIncludes.Any(p => t.Text.StartsWith(p, StringComparison.Ordinal)))
        {
            throw Error(t, $"'include {t.Text}...' is not supported: only include \"relative/path.conf\" is");
        }

        if (t.Kind != HoconTokenKind.Quoted)
        {
            throw Error(t, $"expected a quoted file name after 'include', found {t.Describe()}");
        }

        _pos++;
        var directory = Path.GetDirectoryName(_file);
        var full = Path.GetFullPath(string.IsNullOrEmpty(directory) ? t.Text : Path.Combine(directory, t.Text));
        if (_chain.Contains(full, StringComparer.Ordinal))
        {
            throw new HoconException(at, $"include cycle: {string.Join(" -> ", _chain.Append(full))}");
        }

        var included = ParseFile(full, _chain, at);
        foreach (var (key, value) in included.Fields)
        {
            HoconMerge.Merge(target, key, value);
        }
    }

    private HoconObject ParseBracedObject()
    {
        var opener = Current;
        _pos++;
        var obj = new HoconObject(opener.Position);
        ParseFields(obj, HoconTokenKind.RightBrace, opener);
        _pos++;
        return obj;
    }

    private HoconArray ParseArray()
    {
        var opener = Current;
        _pos++;
        var array = new HoconArray(opener.Position);
        while (true)
        {
            SkipWhitespaceAndNewlines();
            var t = Current;
            if (t.Kind == HoconTokenKind.RightBracket)
            {
                _pos++;
                return array;
            }

            if (t.Kind == HoconTokenKind.End)
            {
                throw Error(t, $"expected ']' to close the array opened at line {opener.Position.Line}, column {opener.Position.Column}, found the end of the file");
            }

            array.Items.Add(ParseValue());
            SkipWhitespace();
            t = Current;
            if (t.Kind == HoconTokenKind.Comma)
            {
                _pos++;
            }
            else if (t.Kind is not (HoconTokenKind.Newline or HoconTokenKind.RightBracket))
            {
                throw Error(t, $"expected ',' or ']' in the array opened at line {opener.Position.Line}, column {opener.Position.Column}, found {t.Describe()}");
            }
        }
    }

    /// <summary>Reads one value, joining adjacent simple values into a string concatenation.</summary>
    private HoconValue ParseValue()
    {
        var parts = new List<HoconValue>();
        HoconToken? first = null;
        HoconToken? pendingWhitespace = null;
        while (true)
        {
            var t = Current;
            HoconValue part;
            switch (t.Kind)
            {
                case HoconTokenKind.Whitespace:
                    pendingWhitespace = parts.Count > 0 ? t : null;
                    _pos++;
                    continue;
                case HoconTokenKind.LeftBrace:
                    part = ParseBracedObject();
                    break;
                case HoconTokenKind.LeftBracket:
                    part = ParseArray();
                    break;
                case HoconTokenKind.Unquoted or HoconTokenKind.Quoted or HoconTokenKind.TripleQuoted:
                    part = new HoconScalar(t.Position, t.Text);
                    _pos++;
                    break;
                case HoconTokenKind.Substitution:
                    part = new HoconSubstitution(t.Position, HoconPath.ParseSubstitution(t.Text, t.Position), t.Optional);
                    _pos++;
                    break;
                case HoconTokenKind.Separator:
                    throw Error(t, $"unexpected '{t.Text}' in a value: put values containing ':' or '=' in double quotes");
                case HoconTokenKind.PlusEquals:
                    throw Error(t, "unexpected '+=' in a value: '+=' is not supported");
                default:
                    return Build(parts, first, t);
            }

            if (pendingWhitespace is not null)
            {
                parts.Add(new HoconScalar(pendingWhitespace.Position, pendingWhitespace.Text));
                pendingWhitespace = null;
            }

            first ??= t;
            parts.Add(part);
        }
    }

    private static HoconValue Build(List<HoconValue> parts, HoconToken? first, HoconToken stop)
    {
        if (parts.Count == 0)
        {
            throw Error(stop, $"expected a value, found {stop.Describe()}");
        }

        if (parts.Count == 1)
        {
            return parts[0] switch
            {
                HoconSubstitution s => new HoconUnresolved(s.Position, parts),
                HoconScalar s when first!.Kind == HoconTokenKind.Unquoted && s.Text == "null" => new HoconScalar(s.Position, null),
                var single => single,
            };
        }

        if (parts.FirstOrDefault(p => p is HoconObject or HoconArray) is { } composite)
        {
            var what = composite is HoconObject ? "an object" : "an array";
            throw new HoconException(composite.Position, $"{what} cannot be joined with other values: object and array concatenation is not supported");
        }

        if (parts.Any(p => p is HoconSubstitution))
        {
            return new HoconUnresolved(parts[0].Position, parts);
        }

        return new HoconScalar(parts[0].Position, string.Concat(parts.Cast<HoconScalar>().Select(p => p.Text)));
    }

    private void SkipWhitespace()
    {
        while (Current.Kind == HoconTokenKind.Whitespace)
        {
            _pos++;
        }
    }

    private void SkipWhitespaceAndNewlines()
    {
        while (Current.Kind is HoconTokenKind.Whitespace or HoconTokenKind.Newline)
        {
            _pos++;
        }
    }

    private static HoconException Error(HoconToken at, string reason) => new(at.Position, reason);
}
