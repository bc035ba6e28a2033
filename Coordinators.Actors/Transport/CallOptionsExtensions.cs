using Grpc.Core;

namespace Coordinators.Actors.Transport;

/// <summary>Shorthands for Grpc.Core's <see cref="CallOptions"/>.</summary>
public static class CallOptionsExtensions
{
    /// <summary>The options with a deadline <paramref name="timeout"/> from now (UTC, as Grpc.Net.Client wants it).</summary>
    public static CallOptions WithTimeout(this CallOptions options, TimeSpan timeout) => options.WithDeadline(DateTime.UtcNow + timeout);
}
