using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Coordinators.Host.Chaos;

/// <summary>One host of a <see cref="NetnsNetwork"/>: its name ("etcd-m1", "rootcoord-2"), network namespace and address.</summary>
internal sealed record NetnsHost(string Name, string Namespace, string Address);

/// <summary>
/// Hosts in network namespaces of their own on one bridge, and partitions between them. The bridge lives in the root
/// namespace with the subnet's .1, so the root namespace (the chaos run's observer) reaches every host and nothing is
/// ever cut from it; hosts get .10 upwards, a veth pair each (eth0 inside) and no default route, so their traffic goes
/// only to each other and to the root namespace. A cut is an nftables table in the cut host's namespace that drops
/// every packet to and from the named peers; heal deletes it. Everything is named after a tag holding this process's
/// pid (<c>coordp-TAG-host</c> namespaces, <c>cpTAG…</c> links), which is how <see cref="RemoveLeftoversAsync"/> knows
/// a crashed run's leftovers from a live run's. Removing a namespace removes its rules.
/// </summary>
internal sealed partial class NetnsNetwork : IAsyncDisposable
{
    public const string NamespacePrefix = "coordp-";
    private const string LinkPrefix = "cp";
    private const string CutTable = "coordp_cut";
    private static readonly string LockFile = Path.Combine(Path.GetTempPath(), "coordp-netns.lock");
    private static int s_sequence;
    // Tags of this process's networks not removed yet: never leftovers.
    private static readonly HashSet<string> Live = new(StringComparer.Ordinal);

    private readonly string _tag;
    private readonly int _third;
    private readonly Dictionary<string, NetnsHost> _hosts = new(StringComparer.Ordinal);
    private readonly List<NetnsHost> _order = [];
    // Host name -> the peers it is cut from; guarded by itself.
    private readonly Dictionary<string, IReadOnlyList<string>> _cuts = new(StringComparer.Ordinal);
    private int _removed;

    private NetnsNetwork(string tag, int third, IReadOnlyList<string> names)
    {
        _tag = tag;
        _third = third;
        for (var i = 0; i < names.Count; i++)
        {
            var host = new NetnsHost(names[i], NamespacePrefix + tag + "-" + names[i], Address(10 + i));
            _hosts.Add(host.Name, host);
            _order.Add(host);
        }
    }

    /// <summary>The tag every name of this network carries (hex pid, "s", the sequence number in this process).</summary>
    public string Tag => _tag;

    /// <summary>The bridge in the root namespace.</summary>
    public string Bridge => LinkPrefix + _tag + "b";

    /// <summary>The root namespace's address on the bridge: where the observer's packets come from.</summary>
    public string BridgeAddress => Address(1);

    /// <summary>The /24 of this network.</summary>
    public string Subnet => Address(0) + "/24";

    public IReadOnlyList<NetnsHost> Hosts => _order;

    public NetnsHost this[string name] => _hosts.TryGetValue(name, out var h) ? h : throw new KeyNotFoundException($"no host '{name}' in network {_tag}");

    /// <summary>Hosts currently cut, with their peers.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Cuts
    {
        get
        {
            lock (_cuts)
            {
                return new Dictionary<string, IReadOnlyList<string>>(_cuts, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>
    /// Creates the bridge and one namespace per name. Leftovers of crashed runs are removed first. On failure
    /// whatever was made is removed again before the error is thrown.
    /// </summary>
    public static async Task<NetnsNetwork> CreateAsync(IReadOnlyList<string> names)
    {
        if (names.Count is 0 or > 200 || names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            throw new ArgumentException($"a network needs 1..200 distinct host names (got {names.Count})", nameof(names));
        }
        await RemoveLeftoversAsync().ConfigureAwait(false);
        var tag = Environment.ProcessId.ToString("x", CultureInfo.InvariantCulture) + "s" + Interlocked.Increment(ref s_sequence).ToString(CultureInfo.InvariantCulture);
        lock (Live)
        {
            Live.Add(tag);
        }
        NetnsNetwork? network = null;
        try
        {
            // One creator at a time on this machine: the free /24 is chosen and taken under the lock.
            using (await LockAsync().ConfigureAwait(false))
            {
                network = new NetnsNetwork(tag, await FreeThirdOctetAsync(tag).ConfigureAwait(false), names);
                await network.BuildRootAsync().ConfigureAwait(false);
            }
            await Task.WhenAll(network._order.Select((h, i) => NetnsCommand.IpBatchAsync(h.Namespace,
            [
                $"link set {network.PeerLink(i)} name eth0", $"addr add {h.Address}/24 dev eth0", "link set eth0 up", "link set lo up",
            ]))).ConfigureAwait(false);
            return network;
        }
        catch
        {
            var errors = await RemoveAsync(tag).ConfigureAwait(false);
            lock (Live)
            {
                Live.Remove(tag);
            }
            if (errors.Count > 0)
            {
                throw new NetnsException("creating the network failed, and removing it failed too: " + string.Join("; ", errors));
            }
            throw;
        }
    }

    /// <summary>
    /// Cuts <paramref name="host"/> from <paramref name="peers"/>: its namespace drops every packet to or from them,
    /// established connections included (a real partition: no reset, no refusal). One cut per host at a time.
    /// </summary>
    public async Task CutAsync(string host, IReadOnlyList<string> peers)
    {
        var h = this[host];
        var addresses = string.Join(", ", peers.Select(p => this[p].Address));
        lock (_cuts)
        {
            if (!_cuts.TryAdd(host, peers))
            {
                throw new InvalidOperationException($"{host} is already cut from {string.Join(", ", _cuts[host])}");
            }
        }
        var script = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"table inet {CutTable} {{")
            .AppendLine(CultureInfo.InvariantCulture, $"  chain input {{ type filter hook input priority filter; policy accept; ip saddr {{ {addresses} }} drop; }}")
            .AppendLine(CultureInfo.InvariantCulture, $"  chain output {{ type filter hook output priority filter; policy accept; ip daddr {{ {addresses} }} drop; }}")
            .AppendLine("}").ToString();
        try
        {
            await NetnsCommand.NftAsync(h.Namespace, script).ConfigureAwait(false);
        }
        catch
        {
            lock (_cuts)
            {
                _cuts.Remove(host);
            }
            throw;
        }
    }

    /// <summary>Cuts <paramref name="host"/> from <paramref name="peers"/> for <paramref name="hold"/>, then heals, also
    /// when cancelled or failed (the processes must reach each other for their clean stop). <paramref name="onCut"/>
    /// runs once the cut is in place.</summary>
    public async Task CutForAsync(string host, IReadOnlyList<string> peers, TimeSpan hold, CancellationToken cancellationToken, Action? onCut = null)
    {
        await CutAsync(host, peers).ConfigureAwait(false);
        try
        {
            onCut?.Invoke();
            await Task.Delay(hold, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await HealAsync(host).ConfigureAwait(false);
        }
    }

    /// <summary>Heals the cut of <paramref name="host"/> (deletes its table); nothing to do when it is not cut.</summary>
    public async Task HealAsync(string host)
    {
        lock (_cuts)
        {
            if (!_cuts.ContainsKey(host))
            {
                return;
            }
        }
        await NetnsCommand.NftAsync(this[host].Namespace, $"delete table inet {CutTable}\n").ConfigureAwait(false);
        lock (_cuts)
        {
            _cuts.Remove(host);
        }
    }

    /// <summary>The nftables ruleset inside a host's namespace (empty when it is not cut).</summary>
    public Task<string> RulesetAsync(string host) => NetnsCommand.NftAsync(this[host].Namespace, "list ruleset\n");

    /// <summary>Removes every link and namespace of this network (their rules go with them); throws naming what could not be removed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _removed, 1) == 1)
        {
            return;
        }
        var errors = await RemoveAsync(_tag).ConfigureAwait(false);
        lock (Live)
        {
            Live.Remove(_tag);
        }
        if (errors.Count > 0)
        {
            throw new NetnsException($"removing network {_tag} failed: " + string.Join("; ", errors));
        }
    }

    /// <summary>
    /// Removes the namespaces and links of networks whose process is gone (a run that was SIGKILLed or crashed), and
    /// those of this process no live network owns. Networks of other live processes are left alone. Returns the tags removed.
    /// </summary>
    public static async Task<IReadOnlyList<string>> RemoveLeftoversAsync()
    {
        var (namespaces, links) = await ListAsync().ConfigureAwait(false);
        var tags = namespaces.Select(n => NamespaceTag().Match(n)).Concat(links.Select(l => LinkTag().Match(l)))
            .Where(m => m.Success).Select(m => m.Groups["tag"].Value).Distinct(StringComparer.Ordinal).ToList();
        var removed = new List<string>();
        foreach (var tag in tags.Where(IsLeftover))
        {
            var errors = await RemoveAsync(tag, namespaces, links).ConfigureAwait(false);
            if (errors.Count > 0)
            {
                throw new NetnsException($"removing the leftovers of network {tag} failed: " + string.Join("; ", errors));
            }
            removed.Add(tag);
        }
        return removed;
    }

    /// <summary>Every namespace and root link name of the machine that carries <paramref name="tag"/>.</summary>
    public static async Task<IReadOnlyList<string>> NamesOfAsync(string tag)
    {
        var (namespaces, links) = await ListAsync().ConfigureAwait(false);
        return [.. namespaces.Where(n => Owned(tag, n, links: false)), .. links.Where(l => Owned(tag, l, links: true))];
    }

    private string Address(int host) => string.Create(CultureInfo.InvariantCulture, $"10.77.{_third}.{host}");

    private string RootLink(int index) => string.Create(CultureInfo.InvariantCulture, $"{LinkPrefix}{_tag}h{index}");

    private string PeerLink(int index) => string.Create(CultureInfo.InvariantCulture, $"{LinkPrefix}{_tag}p{index}");

    private async Task BuildRootAsync()
    {
        var lines = new List<string> { $"link add {Bridge} type bridge", $"addr add {BridgeAddress}/24 dev {Bridge}", $"link set {Bridge} up" };
        for (var i = 0; i < _order.Count; i++)
        {
            lines.Add($"netns add {_order[i].Namespace}");
            lines.Add($"link add {RootLink(i)} type veth peer name {PeerLink(i)}");
            lines.Add($"link set {RootLink(i)} master {Bridge} up");
            lines.Add($"link set {PeerLink(i)} netns {_order[i].Namespace}");
        }
        await NetnsCommand.IpBatchAsync(null, lines).ConfigureAwait(false);
    }

    private static bool IsLeftover(string tag)
    {
        lock (Live)
        {
            if (Live.Contains(tag))
            {
                return false;
            }
        }
        var pid = int.Parse(tag.AsSpan(0, tag.IndexOf('s', StringComparison.Ordinal)), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return pid == Environment.ProcessId || !UnixSignals.Exists(pid);
    }

    private static bool Owned(string tag, string name, bool links) =>
        links ? name.StartsWith(LinkPrefix + tag, StringComparison.Ordinal) && LinkTag().Match(name) is { Success: true } m && m.Groups["tag"].Value == tag
              : name.StartsWith(NamespacePrefix + tag + "-", StringComparison.Ordinal);

    private static Task<IReadOnlyList<string>> RemoveAsync(string tag) => RemoveAsync(tag, null, null);

    // Veths first (deleting one end deletes the pair, at once, where a deleted namespace frees its end only later),
    // then namespaces, then the bridge. Every step runs; the errors are collected.
    private static async Task<IReadOnlyList<string>> RemoveAsync(string tag, IReadOnlyList<string>? namespaces, IReadOnlyList<string>? links)
    {
        if (namespaces is null || links is null)
        {
            (namespaces, links) = await ListAsync().ConfigureAwait(false);
        }
        var errors = new List<string>();
        var mine = links.Where(l => Owned(tag, l, links: true)).ToList();
        foreach (var name in mine.Where(l => !l.EndsWith('b')).Concat(namespaces.Where(n => Owned(tag, n, links: false))).Concat(mine.Where(l => l.EndsWith('b'))))
        {
            try
            {
                await (name.StartsWith(NamespacePrefix, StringComparison.Ordinal) ? NetnsCommand.IpAsync("netns", "del", name) : NetnsCommand.IpAsync("link", "del", name)).ConfigureAwait(false);
            }
            catch (NetnsException e)
            {
                errors.Add(e.Message);
            }
        }
        return errors;
    }

    private static async Task<(IReadOnlyList<string> Namespaces, IReadOnlyList<string> Links)> ListAsync()
    {
        // "name (id: N)" per namespace; "N: name[@peer]: <flags> ..." per link.
        var namespaces = (await NetnsCommand.IpAsync("netns", "list").ConfigureAwait(false))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => l.Split(' ')[0])
            .Where(n => n.StartsWith(NamespacePrefix, StringComparison.Ordinal)).ToList();
        var links = (await NetnsCommand.IpAsync("-o", "link", "show").ConfigureAwait(false))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => LinkLine().Match(l)).Where(m => m.Success)
            .Select(m => m.Groups["name"].Value).Where(n => LinkTag().IsMatch(n)).ToList();
        return (namespaces, links);
    }

    private static async Task<int> FreeThirdOctetAsync(string tag)
    {
        var used = new HashSet<int>();
        foreach (var text in new[] { await NetnsCommand.IpAsync("-4", "-o", "addr", "show").ConfigureAwait(false), await NetnsCommand.IpAsync("-4", "route", "show", "table", "all").ConfigureAwait(false) })
        {
            foreach (Match m in UsedThird().Matches(text))
            {
                used.Add(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        }
        var start = Math.Abs(tag.GetHashCode(StringComparison.Ordinal) % 240);
        for (var i = 0; i < 240; i++)
        {
            var third = 10 + ((start + i) % 240);
            if (!used.Contains(third))
            {
                return third;
            }
        }
        throw new NetnsException("no free /24 in 10.77.10.0-10.77.249.255: every one is in use on this machine");
    }

    // An exclusive lock on a file shared by every process of the machine; retried with backoff up to 10 s.
    private static async Task<FileStream> LockAsync()
    {
        var delay = TimeSpan.FromMilliseconds(20);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                return new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // Another run is creating its network: it holds the lock for well under a second.
            }
            await Task.Delay(delay).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(500, delay.TotalMilliseconds * 2));
        }
    }

    [GeneratedRegex(@"^coordp-(?<tag>[0-9a-f]+s\d+)-")]
    private static partial Regex NamespaceTag();

    [GeneratedRegex(@"^cp(?<tag>[0-9a-f]+s\d+)(b|h\d+|p\d+)$")]
    private static partial Regex LinkTag();

    [GeneratedRegex(@"^\d+:\s+(?<name>[^:@\s]+)")]
    private static partial Regex LinkLine();

    [GeneratedRegex(@"\b10\.77\.(\d{1,3})\.")]
    private static partial Regex UsedThird();
}
