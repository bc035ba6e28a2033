namespace Coordinators.Actors.Config;

/// <summary>A bounded retry: attempts, a timeout for each, and an exponential backoff between them.</summary>
public sealed record RetryPolicyOptions
{
    /// <summary>MEP 2's connect policy: 3 tries of 30 s each, then the peer is marked offline.</summary>
    public static RetryPolicyOptions DefaultConnect { get; } = new()
    {
        MaxAttempts = 3,
        AttemptTimeout = TimeSpan.FromSeconds(30),
        Backoff = TimeSpan.FromSeconds(1),
        MaxBackoff = TimeSpan.FromSeconds(10),
    };

    /// <summary>MEP 2's call policy: 3 tries of 10 s each on Unavailable or DeadlineExceeded.</summary>
    public static RetryPolicyOptions DefaultCall { get; } = new()
    {
        MaxAttempts = 3,
        AttemptTimeout = TimeSpan.FromSeconds(10),
        Backoff = TimeSpan.FromMilliseconds(100),
        MaxBackoff = TimeSpan.FromSeconds(1),
    };

    /// <summary>Total tries including the first (<c>max-attempts</c>); at least 1.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Deadline of each try (<c>attempt-timeout</c>).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Wait before the second try; doubled after each further one (<c>backoff</c>).</summary>
    public TimeSpan Backoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Upper bound of the doubled wait (<c>max-backoff</c>).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(1);
}
