using System.Globalization;

namespace Coordinators.Actors.Config;

/// <summary>
/// Durations as written in configuration: a number and a unit, <c>500ms</c>, <c>10s</c>, <c>2m</c>,
/// <c>1h</c>, <c>1d</c> (long names such as <c>seconds</c> also work, and a space may separate them).
/// A plain number means milliseconds, as in HOCON. Negative durations are rejected.
/// </summary>
public static class Duration
{
    /// <summary>The hint every duration error ends with.</summary>
    public const string Expected = "expected a duration like 500ms, 10s, 2m";

    private static readonly (string[] Names, double Milliseconds)[] _units =
    [
        (["ms", "milli", "millis", "millisecond", "milliseconds"], 1),
        (["s", "second", "seconds"], 1_000),
        (["m", "minute", "minutes"], 60_000),
        (["h", "hour", "hours"], 3_600_000),
        (["d", "day", "days"], 86_400_000),
    ];

    /// <summary>Parses <paramref name="text"/>; false for anything that is not a non-negative duration.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        var s = text?.Trim();
        if (string.IsNullOrEmpty(s))
        {
            return false;
        }

        var split = 0;
        while (split < s.Length && (char.IsAsciiDigit(s[split]) || s[split] == '.'))
        {
            split++;
        }

        if (split == 0 || !double.TryParse(s[..split], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        var unit = s[split..].Trim();
        var factor = unit.Length == 0 ? 1 : 0d;
        foreach (var (names, milliseconds) in _units)
        {
            if (names.Contains(unit, StringComparer.Ordinal))
            {
                factor = milliseconds;
            }
        }

        var total = number * factor;
        if (factor == 0 || total > TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(total);
        return true;
    }

    /// <summary>Parses <paramref name="text"/> or throws a <see cref="FormatException"/> saying what was expected.</summary>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"\"{text}\": {Expected}");

    /// <summary>Writes a duration in the largest unit that keeps it exact: 500ms, 10s, 2m, 1h, 1500ms.</summary>
    public static string Format(TimeSpan value)
    {
        var ms = value.TotalMilliseconds;
        if (ms == 0)
        {
            return "0s";
        }

        foreach (var (names, milliseconds) in _units.Reverse())
        {
            if (ms % milliseconds == 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{ms / milliseconds}{names[0]}");
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{ms:0.###}ms");
    }
}
