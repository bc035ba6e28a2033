using Coordinators.Actors.Config;
using Coordinators.Actors.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Connections;

/// <summary>How a <see cref="ConnectionManager"/> discovers, connects and calls its dependencies.</summary>
public sealed record ConnectionManagerOptions
{
    /// <summary>The etcd key layout (root prefix) sessions are read from.</summary>
    public EtcdLayout Layout { get; init; } = new("coordinators");

    /// <summary>Connect policy: tries of GetComponentStates per Add event, each with its timeout (default 3 x 30 s).</summary>
    public RetryPolicyOptions Connect { get; init; } = RetryPolicyOptions.DefaultConnect;

    /// <summary>Call policy: tries on Unavailable/DeadlineExceeded, each with its timeout (default 3 x 10 s).</summary>
    public RetryPolicyOptions Call { get; init; } = RetryPolicyOptions.DefaultCall;

    /// <summary>Re-checks of connected peers (default every 5 s, offline after 2 failures); <see cref="HealthCheckOptions.Off"/> turns them off.</summary>
    public HealthCheckOptions HealthCheck { get; init; } = new();

    /// <summary>Most calls that may wait for a coordinator primary at once; more fail at once with Unavailable.</summary>
    public int MaxPrimaryWaiters { get; init; } = 10_000;

    /// <summary>Makes the client of each discovered session; null dials gRPC on a shared connection pool.</summary>
    public IComponentClientFactory? ClientFactory { get; init; }

    /// <summary>Clock for deadlines, backoff and the actors' timers.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where discovery, connects and dropped clients are logged.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Options taken from a process's configuration: root, connect and call policies.</summary>
    public static ConnectionManagerOptions From(CoordinatorsOptions options) => new()
    {
        Layout = new EtcdLayout(options.Root),
        Connect = options.Connect,
        Call = options.Call,
        HealthCheck = options.HealthCheck,
    };
}

/// <summary>Which sessions of a role a dependency follows.</summary>
public enum DependencyScope
{
    /// <summary>Node roles: every process session; coordinator roles: the active primary only (MEP 2).</summary>
    Default,
    /// <summary>Every process session <c>{role}-*</c>, also for coordinator roles (standbys included), e.g. for probes.</summary>
    AllSessions,
}
