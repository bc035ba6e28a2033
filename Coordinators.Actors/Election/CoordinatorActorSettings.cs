using Coordinators.Actors.Components;
using Coordinators.Actors.Config;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Election;

/// <summary>What a <see cref="CoordinatorActor"/> needs.</summary>
public sealed record CoordinatorActorSettings
{
    /// <summary>The exit code a primary that lost its session uses when <c>exit-on-session-loss = on</c>.</summary>
    public const int SessionLostExitCode = 3;

    /// <summary>The etcd client.</summary>
    public required EtcdClient Etcd { get; init; }

    /// <summary>The key layout.</summary>
    public required EtcdLayout Layout { get; init; }

    /// <summary>The component whose state (StandBy / Healthy + term) this actor sets.</summary>
    public required ComponentHost Host { get; init; }

    /// <summary>Election timings and exit-on-session-loss.</summary>
    public required CoordinatorsOptions Options { get; init; }

    /// <summary>The session's lease guard; a primary serves only while it is valid.</summary>
    public required LeaseGuard Guard { get; init; }

    /// <summary>The role's service, started as primary.</summary>
    public required ICoordinatorService Service { get; init; }

    /// <summary>How long to wait before retrying a campaign after an etcd error.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The backoffs' jitter (thread-safe <see cref="Random.Shared"/>; the simulator's seeded one runs on its one thread).</summary>
    internal Random Random { get; init; } = Random.Shared;

    /// <summary>Where the election's keys live; null means etcd through <see cref="Etcd"/> (tests pass an in-memory one).</summary>
    internal IElectionStore? Store { get; init; }

    /// <summary>The role (from <see cref="Host"/>).</summary>
    public string Role => Host.Role;
}
