namespace Coordinators.Actors.Config;

/// <summary>
/// The configuration has bad values. Each error reads
/// <c>coordinators:session:ttl = "x" in /path/file.conf:3:9: expected a duration like 500ms, 10s, 2m</c>.
/// </summary>
public sealed class CoordinatorsConfigurationException : Exception
{
    /// <summary>Creates the exception from one or more error lines.</summary>
    public CoordinatorsConfigurationException(IReadOnlyList<string> errors)
        : base("invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
    {
        Errors = errors;
    }

    /// <summary>One line per bad key, naming the key, its value, where it came from and what was expected.</summary>
    public IReadOnlyList<string> Errors { get; }
}
