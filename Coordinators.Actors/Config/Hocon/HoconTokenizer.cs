using System.Globalization;
using System.Text;

namespace Coordinators.Actors.Config.Hocon;

/// <summary>
/// Splits HOCON text into tokens. Comments are dropped; whitespace is kept as a token because it
/// is part of a concatenated value (<c>a = foo bar</c> is "foo bar").
/// </summary>
internal sealed class HoconTokenizer
{
    // Characters HOCON forbids in unquoted strings; each one either starts another token or is an error.
    private const string Forbidden = "$\"{}[]:=,+#`^?!@*&\\";

    private readonly string _text;
    private readonly string _file;
    private int _index;
    private int _line = 1;
    // Index of the first character of the current line, so column = _index - _lineStart + 1.
    private int _lineStart;

    private HoconTokenizer(string text, string file)
    {
        _text = text;
        _file = file;
    }

    public static List<HoconToken> Tokenize(string text, string file) => new HoconTokenizer(text, file).Run();

    private HoconPosition Here => new(_file, _line, _index - _lineStart + 1);

    private char Peek(int offset = 0) => _index + offset < _text.Length ? _text[_index + offset] : '\0';

    private bool AtEnd => _index >= _text.Length;

    private List<HoconToken> Run()
    {
        var tokens = new List<HoconToken>();
        if (!AtEnd && _text[0] == '\uFEFF')
        {
            _index = _lineStart = 1;
        }

        while (!AtEnd)
        {
            var start = Here;
            var c = Peek();
            if (c == '\n')
            {
                _index++;
                _line++;
                _lineStart = _index;
                tokens.Add(new HoconToken(HoconTokenKind.Newline, "\n", start));
            }
            else if (c == '#' || (c == '/' && Peek(1) == '/'))
            {
                while (!AtEnd && Peek() != '\n')
                {
                    _index++;
                }
            }
            else if (IsWhitespace(c))
            {
                var from = _index;
                while (!AtEnd && IsWhitespace(Peek()))
                {
                    _index++;
                }

                tokens.Add(new HoconToken(HoconTokenKind.Whitespace, _text[from.._index], start));
            }
            else
            {
                tokens.Add(ReadToken(c, start));
            }
        }

        tokens.Add(new HoconToken(HoconTokenKind.End, "", Here));
        return tokens;
    }

    private HoconToken ReadToken(char c, HoconPosition start)
    {
        switch (c)
        {
            case '{': _index++; return new HoconToken(HoconTokenKind.LeftBrace, "{", start);
            case '}': _index++; return new HoconToken(HoconTokenKind.RightBrace, "}", start);
            case '[': _index++; return new HoconToken(HoconTokenKind.LeftBracket, "[", start);
            case ']': _index++; return new HoconToken(HoconTokenKind.RightBracket, "]", start);
            case ',': _index++; return new HoconToken(HoconTokenKind.Comma, ",", start);
            case '=' or ':': _index++; return new HoconToken(HoconTokenKind.Separator, c.ToString(), start);
            case '+' when Peek(1) == '=': _index += 2; return new HoconToken(HoconTokenKind.PlusEquals, "+=", start);
            case '"' when Peek(1) == '"' && Peek(2) == '"': return ReadTripleQuoted(start);
            case '"': return ReadQuoted(start);
            case '$' when Peek(1) == '{': return ReadSubstitution(start);
            case '$':
                throw new HoconException(start, "expected '{' after '$' (a substitution is written ${path}); quote strings that contain '$'");
        }

        if (Forbidden.Contains(c, StringComparison.Ordinal))
        {
            throw new HoconException(start, $"the character '{c}' is not allowed in an unquoted string; put the value in double quotes");
        }

        var from = _index;
        while (!AtEnd)
        {
            var d = Peek();
            if (d == '\n' || IsWhitespace(d) || Forbidden.Contains(d, StringComparison.Ordinal) || (d == '/' && Peek(1) == '/'))
            {
                break;
            }

            _index++;
        }

        return new HoconToken(HoconTokenKind.Unquoted, _text[from.._index], start);
    }

    private HoconToken ReadQuoted(HoconPosition start)
    {
        _index++;
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd || Peek() == '\n')
            {
                throw new HoconException(start, "unterminated quoted string: expected a closing '\"' before the end of the line");
            }

            var c = Peek();
            if (c == '"')
            {
                _index++;
                return new HoconToken(HoconTokenKind.Quoted, sb.ToString(), start);
            }

            if (c != '\\')
            {
                sb.Append(c);
                _index++;
                continue;
            }

            var escapeAt = Here;
            var e = Peek(1);
            _index += 2;
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    var hex = _index + 4 <= _text.Length ? _text.Substring(_index, 4) : "";
                    if (!int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        throw new HoconException(escapeAt, "expected four hexadecimal digits after '\\u'");
                    }

                    sb.Append((char)code);
                    _index += 4;
                    break;
                default:
                    throw new HoconException(escapeAt, $"unknown escape '\\{e}' in a quoted string: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
            }
        }
    }

    private HoconToken ReadTripleQuoted(HoconPosition start)
    {
        var from = _index + 3;
        var close = _text.IndexOf("\"\"\"", from, StringComparison.Ordinal);
        if (close < 0)
        {
            throw new HoconException(start, "unterminated triple-quoted string: expected a closing '\"\"\"'");
        }

        // Extra quotes before the closing three belong to the string, as in HOCON ("""a"""" is a").
        var end = close + 3;
        while (end < _text.Length && _text[end] == '"')
        {
            end++;
        }

        var content = _text[from..(end - 3)];
        for (var i = _index; i < end; i++)
        {
            if (_text[i] == '\n')
            {
                _line++;
                _lineStart = i + 1;
            }
        }

        _index = end;
        return new HoconToken(HoconTokenKind.TripleQuoted, content, start);
    }

    private HoconToken ReadSubstitution(HoconPosition start)
    {
        _index += 2;
        var optional = false;
        if (Peek() == '?')
        {
            optional = true;
            _index++;
        }

        var close = _text.IndexOf('}', _index);
        var newline = _text.IndexOf('\n', _index);
        if (close < 0 || (newline >= 0 && newline < close))
        {
            throw new HoconException(start, "unterminated substitution: expected '}' to close '${'");
        }

        var path = _text[_index..close];
        if (path.Trim().Length == 0)
        {
            throw new HoconException(start, "empty substitution: expected a path such as ${a.b} or ${?ENV_VAR}");
        }

        if (path.Any(IsWhitespace))
        {
            throw new HoconException(start, $"unexpected whitespace in the substitution ${{{path}}}: expected a path such as ${{a.b}}");
        }

        _index = close + 1;
        return new HoconToken(HoconTokenKind.Substitution, path, start, optional);
    }

    private static bool IsWhitespace(char c) => c != '\n' && (char.IsWhiteSpace(c) || c == '\uFEFF');
}
