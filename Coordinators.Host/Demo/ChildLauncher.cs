using System.Diagnostics;
using System.Globalization;
using Coordinators.Actors.Config;

namespace Coordinators.Host.Demo;

/// <summary>
/// Where a child runs: the address it listens on, and the command its command line is run through (empty: started
/// directly; the chaos run's partitions use <c>ip netns exec NS</c>, which execs, so the pid stays the child's).
/// </summary>
internal sealed record ChildHost(string Address, IReadOnlyList<string> Wrapper)
{
    /// <summary>Loopback, started directly: the demo's and the chaos run's default.</summary>
    public static readonly ChildHost Loopback = new("127.0.0.1", []);
}

/// <summary>
/// Builds the command line of a child: the same `coordinators` executable running one role
/// (<c>run --role R --etcd URL --root P --session-ttl TTL --listen ADDRESS:PORT</c>).
/// </summary>
internal sealed class ChildLauncher
{
    private readonly string _fileName;
    private readonly IReadOnlyList<string> _prefix;
    private readonly string _etcd;
    private readonly string _root;
    private readonly TimeSpan _ttl;

    public ChildLauncher(string etcd, string root, TimeSpan ttl)
    {
        (_fileName, _prefix) = HostExecutable.Self();
        _etcd = etcd;
        _root = root;
        _ttl = ttl;
    }

    /// <summary>
    /// The child's start info; <paramref name="guarded"/> runs it as <c>run --crash-guard --restart never</c>, so the
    /// process the demo holds is the guard and a crashed component ends its slot's process as an unguarded crash does.
    /// </summary>
    public ProcessStartInfo StartInfo(string role, int listenPort, bool guarded = false, ChildHost? host = null)
    {
        host ??= ChildHost.Loopback;
        var psi = new ProcessStartInfo(host.Wrapper.Count == 0 ? _fileName : host.Wrapper[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in host.Wrapper.Count == 0 ? _prefix : [.. host.Wrapper.Skip(1), _fileName, .. _prefix])
        {
            psi.ArgumentList.Add(a);
        }
        string[] args =
        [
            "run", "--role", role, "--etcd", _etcd, "--root", _root,
            "--session-ttl", Duration.Format(_ttl),
            "--listen", host.Address + ":" + listenPort.ToString(CultureInfo.InvariantCulture),
            // The demo holds each child's stdin pipe: if the demo itself is SIGKILLed, its children stop too.
            "--stop-on-stdin-eof",
            // Every child serves /healthz, /readyz and /metrics; the demo records each one's metrics at the end.
            "--http", host.Address + ":0",
        ];
        foreach (var a in guarded ? [.. args, "--crash-guard", "--restart", "never"] : args)
        {
            psi.ArgumentList.Add(a);
        }
        // The demo decides the cluster's configuration; a developer's COORDINATORS__* variables must not leak in.
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("COORDINATORS__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            psi.Environment.Remove(name);
        }
        // rootcoord's timestamp window below the TTL: a crashed primary's bound has passed by the time its lease
        // expired, so the new primary need not wait for the clock (the default 3 s suits the default 10 s TTL).
        psi.Environment["COORDINATORS__ROOTCOORD__TSO_WINDOW"] = Duration.Format(TimeSpan.FromTicks(_ttl.Ticks / 2));
        // Seventeen runtimes share two cores: skip the tiered-JIT background work that slows every start.
        psi.Environment["DOTNET_TieredPGO"] = "0";
        psi.Environment["DOTNET_TC_QuickJitForLoops"] = "1";
        psi.Environment["DOTNET_ReadyToRun"] = "1";
        return psi;
    }
}
