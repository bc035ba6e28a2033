using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Host.Demo;

/// <summary>
/// The demo's child processes: <c>replicas</c> of each coordinator role, one proxy and N of each node kind.
/// Knows which child owns a pid and whether every child is back in the cluster.
/// </summary>
internal sealed class ChildProcessSet
{
    private readonly List<DemoChild> _children = [];

    /// <summary>The processes of <paramref name="guardedRoles"/> run under a crash guard (<see cref="FaultKinds.GuardedRoles"/>).</summary>
    public ChildProcessSet(DemoOptions options, ChildLauncher launcher, DemoEvents events, string logDir, IReadOnlySet<string>? guardedRoles = null)
        : this(Layout(options), launcher, events, logDir, guardedRoles)
    {
    }

    /// <summary>
    /// A set of any shape: <paramref name="replicas"/> names, per role, how many processes to run. Coordinators are
    /// interleaved by replica (every role's "-1" first, so the first primaries are the "-1" processes on an idle
    /// machine); nodes and the proxy follow in the order listed. <paramref name="hostOf"/> places each slot by name
    /// (default: loopback).
    /// </summary>
    public ChildProcessSet(IReadOnlyList<(string Role, int Count)> replicas, ChildLauncher launcher, DemoEvents events, string logDir, IReadOnlySet<string>? guardedRoles = null, Func<string, ChildHost>? hostOf = null)
    {
        Directory.CreateDirectory(logDir);
        foreach (var name in Names(replicas))
        {
            var role = name[..name.LastIndexOf('-')];
            _children.Add(new DemoChild(name, role, LoopbackPorts.Next(), Path.Combine(logDir, name + ".log"), launcher, events, guardedRoles?.Contains(role) == true, hostOf?.Invoke(name)));
        }
    }

    // The demo's shape: every coordinator role, then the nodes, then one proxy.
    private static List<(string Role, int Count)> Layout(DemoOptions options) =>
        [.. Roles.Coordinators.Select(r => (r, options.Replicas)),
         .. new[] { Roles.QueryNode, Roles.DataNode, Roles.IndexNode }.Select(r => (r, options.NodesPerKind)),
         (Roles.Proxy, 1)];

    public IReadOnlyList<DemoChild> All => _children;

    /// <summary>The names of every slot a layout makes, in the order <see cref="All"/> has them.</summary>
    public static IReadOnlyList<string> Names(IReadOnlyList<(string Role, int Count)> replicas)
    {
        var coordinators = replicas.Where(r => Roles.IsCoordinator(r.Role)).ToList();
        var names = new List<string>();
        for (var i = 1; i <= coordinators.Select(r => r.Count).DefaultIfEmpty(0).Max(); i++)
        {
            names.AddRange(coordinators.Where(r => r.Count >= i).Select(r => $"{r.Role}-{i}"));
        }
        names.AddRange(replicas.Where(r => !Roles.IsCoordinator(r.Role)).SelectMany(r => Enumerable.Range(1, r.Count).Select(i => $"{r.Role}-{i}")));
        return names;
    }

    /// <summary>The child that owns (or owned) a pid.</summary>
    public DemoChild? ByPid(int pid) => _children.FirstOrDefault(c => c.Pids.Contains(pid));

    public void StartAll()
    {
        foreach (var c in _children)
        {
            c.Start();
        }
    }

    /// <summary>Stops every child at once: SIGCONT where paused, SIGTERM, SIGKILL after <paramref name="grace"/>.</summary>
    public async Task StopAllAsync(TimeSpan grace)
    {
        await Task.WhenAll(_children.Select(c => c.StopAsync(grace))).ConfigureAwait(false);
        foreach (var c in _children)
        {
            c.CloseLog();
        }
    }

    /// <summary>SIGKILL of every child, without waiting: the last resort when the demo itself is going away.</summary>
    public void KillAllNow()
    {
        foreach (var c in _children)
        {
            c.KillNow();
        }
    }

    /// <summary>Every pid any child ever had that still runs.</summary>
    public IReadOnlyList<int> SurvivingPids() =>
        _children.SelectMany(c => c.Pids).Distinct().Where(Runs).ToList();

    /// <summary>
    /// True while the process exists and is not a zombie: a guarded component killed with its guard is adopted by
    /// PID 1, which in a container may never reap it.
    /// </summary>
    private static bool Runs(int pid)
    {
        if (!UnixSignals.Exists(pid))
        {
            return false;
        }
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone between the two checks, or /proc is not there (not Linux): kill(2) said it exists.
            return e is not (FileNotFoundException or DirectoryNotFoundException);
        }
    }

    /// <summary>
    /// Why the cluster is not whole, or an empty list when it is: every child runs, has a session under its
    /// current pid and answers Healthy or StandBy, and every coordinator role it runs has a published primary.
    /// </summary>
    public IReadOnlyList<string> Problems(ClusterSnapshot snapshot, IReadOnlyDictionary<long, StateSample> states)
    {
        var problems = new List<string>();
        foreach (var c in _children)
        {
            if (c.Pid is not { } pid)
            {
                problems.Add($"{c.Name} is not running");
                continue;
            }
            var session = snapshot.Sessions.Values.FirstOrDefault(s => s.Pid == pid);
            if (session is null)
            {
                problems.Add($"{c.Name} (pid {pid}) has no session");
                continue;
            }
            var state = states.GetValueOrDefault(session.ServerId);
            if (state is null || state.Pid != pid || (state.State != "Healthy" && state.State != "StandBy"))
            {
                problems.Add($"{c.Name} (server {session.ServerId}) is {state?.State ?? "not sampled yet"}");
            }
        }
        // Every coordinator role this set runs (the demo and chaos run all four; a test may run fewer).
        foreach (var role in Roles.Coordinators.Where(r => _children.Any(c => c.Role == r)))
        {
            if (!snapshot.Active.TryGetValue(role, out var active) || !snapshot.Sessions.ContainsKey(active.ServerId))
            {
                problems.Add($"{role} has no published primary");
            }
        }
        return problems;
    }
}
