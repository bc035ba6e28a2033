using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;
using Coordinators.Actors.Sessions;
using Coordinators.Host.Chaos;
using Coordinators.Host.Demo;

namespace Coordinators.Tests.Chaos;

/// <summary>
/// Three etcd members, two rootcoord processes and a proxy, each on its own host of a real <see cref="NetnsNetwork"/>,
/// observed from the root namespace as the chaos run observes (GetComponentStates of every process every 50 ms, an
/// etcd watch). Shared by the partition tests: each one starts from a whole cluster and leaves it whole.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes through IAsyncLifetime.DisposeAsync.")]
public sealed class PartitionCluster : IAsyncLifetime
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(2);

    /// <summary>TTL + 1.5 s: the chaos run's recovery bound.</summary>
    public static readonly TimeSpan Bound = Ttl + TimeSpan.FromSeconds(1.5);

    private static readonly IReadOnlyList<(string Role, int Count)> Layout = [(Roles.RootCoord, 2), (Roles.Proxy, 1)];

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "coordinators-partitions-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly CancellationTokenSource _watchers = new();
    private Task _viewTask = Task.CompletedTask;
    private Task _samplerTask = Task.CompletedTask;
    private EtcdClient? _client;
    private ComponentCalls? _calls;
    private int _disposed;

    internal DemoEvents Events { get; } = new();

    internal NetnsNetwork Network { get; private set; } = null!;

    internal EtcdTrio Etcd { get; private set; } = null!;

    internal ChildProcessSet Children { get; private set; } = null!;

    internal ClusterView View { get; private set; } = null!;

    internal StateSampler Sampler { get; private set; } = null!;

    internal ChaosObserver Observer { get; private set; } = null!;

    internal ChaosPartitionRunner Partitions { get; private set; } = null!;

    internal ComponentCalls Calls => _calls!;

    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        Network = await NetnsNetwork.CreateAsync([.. EtcdTrio.HostNames, .. ChildProcessSet.Names(Layout)]);
        Etcd = await EtcdTrio.StartAsync(Path.Combine(_dir, "etcd"), Events, CancellationToken.None, Network);
        var root = "partitions-" + Guid.NewGuid().ToString("N")[..8];
        Children = new ChildProcessSet(Layout, new ChildLauncher(Etcd.Endpoints, root, Ttl), Events, Path.Combine(_dir, "logs"), hostOf: n => ChaosNetwork.HostOn(Network, n));
        _client = new EtcdClient(new EtcdClientOptions { Endpoints = Etcd.ClientUrls, DialTimeout = TimeSpan.FromMilliseconds(500) });
        _calls = new ComponentCalls();
        View = new ClusterView(_client, new EtcdLayout(root), Events);
        var targets = Children.All.Select(c => new SampleTarget(c.ListenAddress, c.Role, 0)).ToList();
        Sampler = new StateSampler(_calls, View, Events, () => targets);
        Observer = new ChaosObserver(Sampler);
        Partitions = new ChaosPartitionRunner(Network, Children, View, Etcd, null, Events, Ttl);
        _viewTask = View.RunAsync(_watchers.Token);
        _samplerTask = Sampler.RunAsync(_watchers.Token);
        Children.StartAll();
        await WaitWholeAsync(TimeSpan.FromSeconds(90));
    }

    /// <summary>Waits until every process runs, has a session and answers, and rootcoord has a primary; throws with the problems at the backstop.</summary>
    public async Task WaitWholeAsync(TimeSpan? backstop = null)
    {
        var deadline = DateTime.UtcNow + (backstop ?? TimeSpan.FromSeconds(45));
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        IReadOnlyList<string> problems;
        while ((problems = Children.Problems(View.Current, Sampler.Latest)).Count > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the partition cluster is not whole: " + string.Join("; ", problems));
            }
            // The sampler's answers come without an event to await: re-check at its own period.
            await timer.WaitForNextTickAsync();
        }
    }

    /// <summary>Polls <paramref name="condition"/> every 50 ms until it holds (true) or the backstop passed (false).</summary>
    public static async Task<bool> PollAsync(Func<Task<bool>> condition, TimeSpan backstop)
    {
        var deadline = DateTime.UtcNow + backstop;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await timer.WaitForNextTickAsync();
        }
        return true;
    }

    /// <summary>The published primary of a role and the slot that runs it.</summary>
    internal (DemoChild Child, SessionInfo Session) Primary(string role)
    {
        var active = View.Current.Active[role];
        return (Children.ByPid(active.Pid) ?? throw new InvalidOperationException($"no child runs pid {active.Pid}"), active);
    }

    public async Task DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        if (Children is not null)
        {
            await Children.StopAllAsync(TimeSpan.FromSeconds(5));
        }
        await _watchers.CancelAsync();
        await _samplerTask;
        try
        {
            await _viewTask;
        }
        catch (OperationCanceledException)
        {
            // The watch ends by its cancellation.
        }
        if (Etcd is not null)
        {
            await Etcd.DisposeAsync();
        }
        _client?.Dispose();
        _calls?.Dispose();
        if (Network is not null)
        {
            await Network.DisposeAsync();
        }
        _watchers.Dispose();
        EtcdProcess.TryDeleteDirectory(_dir);
    }
}
