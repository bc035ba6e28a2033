using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Coordinators.Actors.Etcd;
using Coordinators.Host.Demo;

namespace Coordinators.Host.Chaos;

/// <summary>
/// Three etcd members on loopback ports, or each on its own host of a <see cref="NetnsNetwork"/> (hosts "etcd-m1".."etcd-m3",
/// ports 2379 and 2380 of the host's address), each its own <see cref="EtcdProcess"/> with a data dir and a log under
/// one folder; the chaos run kills, restarts, pauses, resumes and partitions them, and asks them who leads.
/// </summary>
internal sealed class EtcdTrio : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory;
    private readonly DemoEvents _events;
    private readonly string[] _names = ["m1", "m2", "m3"];
    private readonly List<string>[] _args;
    private readonly EtcdProcess?[] _processes = new EtcdProcess?[3];
    // Every pid a member ever had, to prove at the end that none is left.
    private readonly List<int> _pids = [];
    private readonly EtcdClient[] _single;
    // Per member, the command etcd is run through: empty on loopback, "ip netns exec NS" on a network's host.
    private readonly IReadOnlyList<string>[] _wrappers;

    private EtcdTrio(string directory, DemoEvents events, NetnsNetwork? network)
    {
        _directory = directory;
        _events = events;
        string[] clientUrls, peerUrls;
        if (network is null)
        {
            clientUrls = _names.Select(_ => "http://127.0.0.1:" + LoopbackPorts.Next().ToString(CultureInfo.InvariantCulture)).ToArray();
            peerUrls = _names.Select(_ => "http://127.0.0.1:" + LoopbackPorts.Next().ToString(CultureInfo.InvariantCulture)).ToArray();
            _wrappers = _names.Select(_ => (IReadOnlyList<string>)[]).ToArray();
        }
        else
        {
            var hosts = HostNames.Select(h => network[h]).ToArray();
            clientUrls = hosts.Select(h => $"http://{h.Address}:2379").ToArray();
            peerUrls = hosts.Select(h => $"http://{h.Address}:2380").ToArray();
            _wrappers = hosts.Select(h => (IReadOnlyList<string>)[NetnsCommand.Ip, "netns", "exec", h.Namespace]).ToArray();
        }
        ClientUrls = clientUrls;
        var initialCluster = string.Join(',', _names.Select((n, i) => $"{n}={peerUrls[i]}"));
        var token = "chaos-" + Guid.NewGuid().ToString("N")[..12];
        _args = _names.Select((n, i) => EtcdProcess.MemberArguments(n, Path.Combine(directory, n, "data"), ClientUrls[i], peerUrls[i], initialCluster, token)).ToArray();
        _single = ClientUrls.Select(u => new EtcdClient(new EtcdClientOptions { Endpoints = [u], DialTimeout = TimeSpan.FromMilliseconds(500) })).ToArray();
    }

    /// <summary>The members' host names in a <see cref="NetnsNetwork"/>.</summary>
    public static readonly IReadOnlyList<string> HostNames = ["etcd-m1", "etcd-m2", "etcd-m3"];

    /// <summary>The members' client URLs, m1..m3.</summary>
    public IReadOnlyList<string> ClientUrls { get; }

    /// <summary>All client URLs, comma-separated, as children and clients take them.</summary>
    public string Endpoints => string.Join(',', ClientUrls);

    /// <summary>Member names, m1..m3.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Starts the three members (on <paramref name="network"/>'s etcd hosts when given) and waits until each reports healthy.</summary>
    public static async Task<EtcdTrio> StartAsync(string directory, DemoEvents events, CancellationToken cancellationToken, NetnsNetwork? network = null)
    {
        var trio = new EtcdTrio(directory, events, network);
        try
        {
            for (var i = 0; i < 3; i++)
            {
                trio.Start(i);
            }
            for (var i = 0; i < 3; i++)
            {
                await trio.WaitHealthyAsync(i, StartTimeout, cancellationToken).ConfigureAwait(false);
            }
            return trio;
        }
        catch
        {
            await trio.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The pid of a running member, or null.</summary>
    public int? Pid(int index) => _processes[index] is { IsRunning: true } p ? p.Id : null;

    /// <summary>Every pid a member ever had that still exists.</summary>
    public IReadOnlyList<int> SurvivingPids()
    {
        lock (_pids)
        {
            return _pids.Where(UnixSignals.Exists).ToList();
        }
    }

    /// <summary>The index of the member that reports itself leader, or null when none answers as leader within 1 s.</summary>
    public async Task<int?> LeaderAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < 3; i++)
        {
            if (await LeadsAsync(i, cancellationToken).ConfigureAwait(false))
            {
                return i;
            }
        }
        return null;
    }

    /// <summary>True when member <paramref name="index"/> runs and answers within 1 s that it is the raft leader.</summary>
    public async Task<bool> LeadsAsync(int index, CancellationToken cancellationToken)
    {
        if (Pid(index) is null)
        {
            return false;
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(1));
            var status = await _single[index].StatusAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
            return status.Leader != 0 && status.Leader == status.Header.MemberId;
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // That member does not answer now.
            return false;
        }
    }

    /// <summary>SIGKILL of a member; returns once it is gone.</summary>
    public void Kill(int index)
    {
        var p = _processes[index] ?? throw new InvalidOperationException($"etcd member {_names[index]} is not running");
        _events.Add("signal", "etcd-" + _names[index], new JsonObject { ["pid"] = p.Id, ["signal"] = nameof(UnixSignal.SIGKILL) });
        if (!p.Kill(TimeSpan.FromSeconds(10)))
        {
            throw new InvalidOperationException($"etcd member {_names[index]} (pid {p.Id}) did not exit within 10 s of SIGKILL");
        }
        _events.Add("exit", "etcd-" + _names[index], new JsonObject { ["pid"] = p.Id, ["exitCode"] = 137 });
    }

    /// <summary>Starts a killed member again on its data dir and waits until it is healthy.</summary>
    public async Task RestartAsync(int index, CancellationToken cancellationToken)
    {
        _processes[index]?.Dispose();
        Start(index);
        await WaitHealthyAsync(index, StartTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a signal (SIGSTOP, SIGCONT) to a running member.</summary>
    public void Signal(int index, UnixSignal signal)
    {
        var pid = Pid(index) ?? throw new InvalidOperationException($"etcd member {_names[index]} is not running");
        UnixSignals.SendOrThrow(pid, signal);
        _events.Add("signal", "etcd-" + _names[index], new JsonObject { ["pid"] = pid, ["signal"] = signal.ToString() });
    }

    /// <summary>Waits until a member answers a Status call; throws with its log tail after <paramref name="timeout"/>.</summary>
    public async Task WaitHealthyAsync(int index, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(50);
        while (clock.Elapsed < timeout)
        {
            if (Pid(index) is null)
            {
                throw new InvalidOperationException($"etcd member {_names[index]} exited while starting; log tail:\n{EtcdProcess.LogTail(LogFile(index))}");
            }
            try
            {
                using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                call.CancelAfter(TimeSpan.FromSeconds(1));
                var status = await _single[index].StatusAsync(cancellationToken: call.Token).ConfigureAwait(false);
                if (status.Leader != 0)
                {
                    return;
                }
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not up yet.
            }
            // Polling a process we do not control: no event exists to wait on. Backs off to 400 ms.
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(400, delay.TotalMilliseconds * 2));
        }
        throw new TimeoutException($"etcd member {_names[index]} has no leader after {timeout.TotalSeconds:F0} s; log tail:\n{EtcdProcess.LogTail(LogFile(index))}");
    }

    /// <summary>Kills every member (SIGKILL ends a stopped one too) and closes the clients.</summary>
    public ValueTask DisposeAsync()
    {
        for (var i = 0; i < 3; i++)
        {
            _processes[i]?.Dispose();
            _processes[i] = null;
            _single[i].Dispose();
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Deletes the members' data dirs (hundreds of MB of WAL) once they are stopped; their logs stay.</summary>
    public void DeleteData()
    {
        foreach (var name in _names)
        {
            EtcdProcess.TryDeleteDirectory(Path.Combine(_directory, name, "data"));
        }
    }

    private string LogFile(int index) => Path.Combine(_directory, _names[index], "etcd.log");

    private void Start(int index)
    {
        Directory.CreateDirectory(Path.Combine(_directory, _names[index]));
        var wrapper = _wrappers[index];
        var p = wrapper.Count == 0
            ? EtcdProcess.Start("/usr/bin/etcd", _args[index], LogFile(index))
            : EtcdProcess.Start(wrapper[0], [.. wrapper.Skip(1), "/usr/bin/etcd", .. _args[index]], LogFile(index));
        _processes[index] = p;
        lock (_pids)
        {
            _pids.Add(p.Id);
        }
        _events.Add("start", "etcd-" + _names[index], new JsonObject { ["pid"] = p.Id, ["role"] = "etcd", ["client"] = ClientUrls[index] });
    }
}
