using System.Text;

namespace Coordinators.Actors.Config.Hocon;

/// <summary>Splits path expressions (<c>a.b."c.d"</c>) into elements; quoted parts keep their dots.</summary>
internal static class HoconPath
{
    /// <summary>Appends one key token to the elements being built; unquoted text splits on '.'.</summary>
    public static void Append(List<string> elements, StringBuilder current, string text, bool quoted, HoconPosition position)
    {
        if (quoted)
        {
            current.Append(text);
            return;
        }

        var pieces = text.Split('.');
        for (var i = 0; i < pieces.Length; i++)
        {
            if (i > 0)
            {
                Complete(elements, current, position);
            }

            current.Append(pieces[i]);
        }
    }

    /// <summary>Closes the element being built; an empty one (<c>a..b</c>, <c>.a</c>) is an error.</summary>
    public static void Complete(List<string> elements, StringBuilder current, HoconPosition position)
    {
        if (current.Length == 0)
        {
            throw new HoconException(position, "empty path element: expected a key between the dots (quote keys that contain '.')");
        }

        elements.Add(current.ToString());
        current.Clear();
    }

    /// <summary>Parses the path inside a substitution, where quoted elements are still in the text.</summary>
    public static List<string> ParseSubstitution(string expression, HoconPosition position)
    {
        var elements = new List<string>();
        var current = new StringBuilder();
        var i = 0;
        while (i < expression.Length)
        {
            if (expression[i] == '"')
            {
                var close = expression.IndexOf('"', i + 1);
                if (close < 0)
                {
                    throw new HoconException(position, $"unterminated quoted element in the substitution path '{expression}'");
                }

                Append(elements, current, expression[(i + 1)..close], quoted: true, position);
                i = close + 1;
            }
            else
            {
                var next = expression.IndexOf('"', i);
                var end = next < 0 ? expression.Length : next;
                Append(elements, current, expression[i..end], quoted: false, position);
                i = end;
            }
        }

        Complete(elements, current, position);
        return elements;
    }
}
