namespace Coordinators.Actors.Grpc;

/// <summary>Per-call options, as Grpc.Core's: request metadata, an absolute deadline and a cancellation token.</summary>
public readonly record struct CallOptions(Metadata? Headers = null, DateTime? Deadline = null, CancellationToken CancellationToken = default)
{
    /// <summary>A copy with the deadline set to now + <paramref name="timeout"/> (UTC).</summary>
    public CallOptions WithTimeout(TimeSpan timeout) => this with { Deadline = DateTime.UtcNow + timeout };

    /// <summary>A copy with another cancellation token.</summary>
    public CallOptions WithCancellationToken(CancellationToken cancellationToken) => this with { CancellationToken = cancellationToken };

    /// <summary>A copy with other request metadata.</summary>
    public CallOptions WithHeaders(Metadata? headers) => this with { Headers = headers };
}
