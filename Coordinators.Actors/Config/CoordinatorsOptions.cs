namespace Coordinators.Actors.Config;

/// <summary>
/// Everything a coordinators process is configured with, read from the <c>coordinators</c> section
/// (see hocon/reference.conf for every key). Load it with <see cref="CoordinatorsConfiguration.Load"/>,
/// which validates it; tests may build one directly and adjust it with <c>with</c>.
/// </summary>
public sealed record CoordinatorsOptions
{
    /// <summary>The configuration section the options are read from.</summary>
    public const string SectionName = "coordinators";

    /// <summary>Prefix of every etcd key this process reads or writes (<c>root</c>).</summary>
    public string Root { get; init; } = "coordinators";

    /// <summary>host:port the component's gRPC server listens on; port 0 picks a free one (<c>listen</c>).</summary>
    public string Listen { get; init; } = "127.0.0.1:0";

    /// <summary>When true the process exits after losing its etcd session instead of rejoining as a standby (<c>exit-on-session-loss</c>).</summary>
    public bool ExitOnSessionLoss { get; init; }

    /// <summary>
    /// When true <c>coordinators run</c> and <c>standalone</c> start the component as a child process and stay as its
    /// crash guard, which revokes the child's lease the moment it dies (<c>crash-guard</c>; also <c>--crash-guard</c>).
    /// </summary>
    public bool CrashGuard { get; init; }

    /// <summary>How to reach etcd (<c>etcd</c>).</summary>
    public EtcdOptions Etcd { get; init; } = new();

    /// <summary>The session lease and its keep-alive (<c>session</c>).</summary>
    public SessionOptions Session { get; init; } = new();

    /// <summary>Primary-backup election timings (<c>election</c>).</summary>
    public ElectionOptions Election { get; init; } = new();

    /// <summary>rootcoord's timestamp oracle and ID allocator (<c>rootcoord</c>).</summary>
    public RootCoordOptions RootCoord { get; init; } = new();

    /// <summary>datacoord's segment meta (<c>datacoord</c>).</summary>
    public DataCoordOptions DataCoord { get; init; } = new();

    /// <summary>
    /// host:port of the HTTP endpoint serving <c>/healthz</c> and <c>/readyz</c> (<c>http.listen</c>); null turns it off.
    /// </summary>
    public string? HttpListen { get; init; }

    /// <summary>How a ConnectionManager client connects to a discovered peer (<c>connect</c>): 3 tries of 30 s.</summary>
    public RetryPolicyOptions Connect { get; init; } = RetryPolicyOptions.DefaultConnect;

    /// <summary>How calls to a connected peer are retried (<c>call</c>): 3 tries of 10 s.</summary>
    public RetryPolicyOptions Call { get; init; } = RetryPolicyOptions.DefaultCall;

    /// <summary>How connected peers are re-checked (<c>health-check</c>): every 5 s, offline after 2 failures of 2 s.</summary>
    public HealthCheckOptions HealthCheck { get; init; } = new();

    /// <summary>
    /// The <c>akka { }</c> section of the configuration, as HOCON text handed to the ActorSystem after the project's
    /// own Akka defaults; null when the file has none.
    /// </summary>
    public string? AkkaHocon { get; init; }

    /// <summary>
    /// Checks the rules that span keys or bound values (TTL floor, keep-alive below TTL/2, ...).
    /// Each problem names its key relative to the section, e.g. <c>session:ttl</c>.
    /// </summary>
    public IReadOnlyList<OptionsProblem> Validate() => CoordinatorsOptionsValidator.Validate(this);
}

/// <summary>One invalid option: its key relative to the <c>coordinators</c> section and what is wrong.</summary>
public sealed record OptionsProblem(string Key, string Message);
