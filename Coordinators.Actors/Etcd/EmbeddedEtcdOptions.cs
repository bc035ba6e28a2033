namespace Coordinators.Actors.Etcd;

/// <summary>How an <see cref="EmbeddedEtcd"/> is started.</summary>
public sealed record EmbeddedEtcdOptions
{
    /// <summary>Folder that holds the member's data dir (<c>data/</c>) and its log (<c>etcd.log</c>); created if missing.</summary>
    public required string Directory { get; init; }

    /// <summary>The etcd binary; Debian's etcd-server package installs it at /usr/bin/etcd.</summary>
    public string EtcdPath { get; init; } = "/usr/bin/etcd";

    /// <summary>The member name (etcd's --name).</summary>
    public string Name { get; init; } = "embedded";

    /// <summary>How long start-up may take before <see cref="EmbeddedEtcd.StartAsync"/> gives up (a new member needs 0.2–0.9 s).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether <see cref="EmbeddedEtcd.DisposeAsync"/> deletes the data dir after the process is gone.</summary>
    public bool DeleteDataOnDispose { get; init; } = true;

    /// <summary>Further etcd command-line arguments, appended after the ones the embedded member needs.</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];
}
