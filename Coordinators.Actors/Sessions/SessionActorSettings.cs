using Coordinators.Actors.Components;
using Coordinators.Actors.Config;
using Coordinators.Actors.Etcd;
using Akka;
using Akka.Actor;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Sessions;

/// <summary>What a <see cref="SessionActor"/> needs: etcd, the key layout, its role, timings, and whom to tell.</summary>
public sealed record SessionActorSettings
{
    /// <summary>The etcd client (shared by the whole process).</summary>
    public required EtcdClient Etcd { get; init; }

    /// <summary>The key layout under the configured root.</summary>
    public required EtcdLayout Layout { get; init; }

    /// <summary>The component whose ServerID, session and address this session publishes.</summary>
    public required ComponentHost Host { get; init; }

    /// <summary>Lease TTL, keep-alive interval and the rest of the configuration.</summary>
    public required CoordinatorsOptions Options { get; init; }

    /// <summary>Where acknowledged keep-alives are recorded; a coordinator checks it before serving.</summary>
    public required LeaseGuard Guard { get; init; }

    /// <summary>The crash guard this process runs under, told each lease before its session key is written; null when unguarded.</summary>
    public ICrashGuardLink? CrashGuard { get; init; }

    /// <summary>Children created once at start (coordinator actors); they get every session event.</summary>
    public IReadOnlyList<(string Name, Props Props)> Children { get; init; } = [];

    /// <summary>Backoff between attempts to build a session: first delay.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Backoff between attempts to build a session: upper bound.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Where the session's keys and lease live; null means etcd through <see cref="Etcd"/> (the simulator passes a model).</summary>
    internal ISessionStore? Store { get; init; }

    /// <summary>The backoffs' jitter: thread-safe <see cref="Random.Shared"/> (abandoned-lease revokes read it off the actor's thread); the simulator's seeded one runs on its one thread.</summary>
    internal Random Random { get; init; } = Random.Shared;

    /// <summary>The role (from <see cref="Host"/>).</summary>
    public string Role => Host.Role;

    /// <summary>Creates a guard whose TTL and margin come from the session options.</summary>
    public static LeaseGuard CreateGuard(CoordinatorsOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new LeaseGuard(time, options.Session.Ttl, options.Session.LeaseGuardMargin);
    }
}
