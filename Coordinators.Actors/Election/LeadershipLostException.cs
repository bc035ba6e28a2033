namespace Coordinators.Actors.Election;

/// <summary>A fenced write failed its term compare (or the lease guard expired): this process no longer leads.</summary>
public sealed class LeadershipLostException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LeadershipLostException()
        : base("leadership lost")
    {
    }

    /// <summary>Creates the exception with a reason.</summary>
    public LeadershipLostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a reason and a cause.</summary>
    public LeadershipLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
