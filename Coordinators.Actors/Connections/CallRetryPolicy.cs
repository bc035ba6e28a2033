using Coordinators.Actors.Transport;
using Grpc.Core;

namespace Coordinators.Actors.Connections;

/// <summary>What to do after a failed attempt.</summary>
public enum CallAction
{
    /// <summary>Give up and surface the error.</summary>
    Fail,
    /// <summary>Try again after the backoff.</summary>
    Retry,
    /// <summary>The address serves another process: drop that client, re-read its key, try another target now.</summary>
    Reresolve,
    /// <summary>That target failed but another of the role is online: try it now, without backoff.</summary>
    RetryElsewhere,
}

/// <summary>A retry decision and the reason for it (logged and visible in tests).</summary>
public readonly record struct CallDecision(CallAction Action, string Reason);

/// <summary>
/// The call policy's decision, as a pure function of the failure and the call's situation (like grpc-dotnet's
/// retry logic, which returns a commit reason): retry Unavailable and DeadlineExceeded up to the attempt limit,
/// drop and re-resolve on "node not match", and never retry past the call's own deadline. In wait-for-primary
/// mode only the deadline bounds the retries, so a call rides through a failover.
/// </summary>
public static class CallRetryPolicy
{
    /// <summary>Decides after attempt number <paramref name="attempt"/> (1-based) failed with <paramref name="error"/>.</summary>
    /// <param name="error">The failure.</param>
    /// <param name="attempt">Attempts made so far.</param>
    /// <param name="maxAttempts">The policy's limit.</param>
    /// <param name="deadlinePassed">The caller's overall deadline has passed, or its token was cancelled.</param>
    /// <param name="targetAvailable">A target is online for the next attempt.</param>
    /// <param name="waitForPrimary">The call waits for a coordinator primary instead of failing fast.</param>
    /// <param name="otherTargetAvailable">
    /// The call may go to any process of a node role, and one other than the target that just failed is online:
    /// a node killed a moment ago keeps its session until its lease expires, and calls must not keep meeting it.
    /// </param>
    public static CallDecision Decide(RpcException error, int attempt, int maxAttempts, bool deadlinePassed, bool targetAvailable, bool waitForPrimary, bool otherTargetAvailable = false)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (deadlinePassed)
        {
            return new(CallAction.Fail, "the call's deadline passed");
        }
        if (ComponentCalls.IsNodeNotMatch(error))
        {
            return new(CallAction.Reresolve, "node not match: the address serves another process");
        }
        if (error.StatusCode is not (StatusCode.Unavailable or StatusCode.DeadlineExceeded))
        {
            return new(CallAction.Fail, $"{error.StatusCode} is not retryable");
        }
        if (waitForPrimary)
        {
            return new(CallAction.Retry, "waiting for a primary");
        }
        if (otherTargetAvailable && attempt < maxAttempts)
        {
            return new(CallAction.RetryElsewhere, $"{error.StatusCode} at one target; another is online");
        }
        if (!targetAvailable)
        {
            return new(CallAction.Fail, "no target is online any more");
        }
        if (attempt >= maxAttempts)
        {
            return new(CallAction.Fail, $"{attempt} attempts made");
        }
        return new(CallAction.Retry, $"{error.StatusCode} is retryable");
    }

    /// <summary>The wait before attempt <paramref name="nextAttempt"/>: backoff doubled per attempt, capped.</summary>
    public static TimeSpan Backoff(Config.RetryPolicyOptions policy, int nextAttempt)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var shift = Math.Clamp(nextAttempt - 2, 0, 20);
        return TimeSpan.FromTicks(Math.Min(policy.MaxBackoff.Ticks, policy.Backoff.Ticks << shift));
    }
}
