using System.Globalization;
using Coordinators.Actors.Components;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Etcd;
using Grpc.Net.Client;
using Coordinators.Actors.Sessions;
using Coordinators.Tests.Fixtures;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Election;

/// <summary>A real <c>coordinators run</c> process and the calls the election tests make to it.</summary>
public sealed class CoordinatorProcess : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Component.ComponentClient _client;

    private CoordinatorProcess(HostRunner runner, string role, long serverId, string address)
    {
        Runner = runner;
        Role = role;
        ServerId = serverId;
        Address = address;
        _channel = GrpcChannel.ForAddress("http://" + address);
        _client = new Component.ComponentClient(_channel);
    }

    public HostRunner Runner { get; }

    public string Role { get; }

    /// <summary>The ServerID of the first session (a rejoin after a session loss gets a new one).</summary>
    public long ServerId { get; }

    public string Address { get; }

    /// <summary>The process's channel, for calls to its duty services.</summary>
    public Grpc.Net.Client.GrpcChannel Channel => _channel;

    /// <summary>Starts <c>coordinators run</c> and waits for its READY line.</summary>
    public static async Task<CoordinatorProcess> StartAsync(string role, IEnumerable<string> etcdUrls, string root, string ttl = "2s", IReadOnlyDictionary<string, string?>? environment = null)
    {
        var (runner, ready) = await StartRunAsync(role, etcdUrls, root, ttl, environment);
        return new CoordinatorProcess(runner, role, long.Parse(ready["serverId"], CultureInfo.InvariantCulture), ready["address"]);
    }

    /// <summary>
    /// Starts <c>coordinators run</c> and returns it with the fields of its READY line (serverId, address, state, pid);
    /// a process that never gets ready is killed.
    /// </summary>
    public static async Task<(HostRunner Runner, IReadOnlyDictionary<string, string> Ready)> StartRunAsync(string role, IEnumerable<string> etcdUrls, string root, string ttl = "2s", IReadOnlyDictionary<string, string?>? environment = null)
    {
        // --stop-on-stdin-eof: a test host that dies (a hang timeout, Ctrl-C on dotnet test) closes the stdin pipes,
        // and every process it started stops instead of retrying a dead etcd forever.
        var runner = HostRunner.Start(["run", "--role", role, "--etcd", string.Join(',', etcdUrls), "--root", root, "--session-ttl", ttl, "--stop-on-stdin-eof"], environment);
        try
        {
            var ready = await runner.WaitForLineAsync(l => l.StartsWith("READY ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            return (runner, ready.Split(' ').Skip(1).Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f[1]));
        }
        catch
        {
            await runner.DisposeAsync();
            throw;
        }
    }

    /// <summary>The process's state, or null when it does not answer within 500 ms.</summary>
    public async Task<ComponentStates?> TryGetStatesAsync()
    {
        if (Runner.HasExited)
        {
            return null;
        }
        try
        {
            return await _client.GetComponentStatesAsync(new GetComponentStatesRequest(), new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(500))).ResponseAsync;
        }
        catch (RpcException)
        {
            return null;
        }
    }

    /// <summary>
    /// The process's state where a test needs one: a first call on a fresh channel pays for the connect and the
    /// server's first-request JIT, which on a loaded two-core machine can exceed the polling deadline.
    /// </summary>
    public async Task<ComponentStates> GetStatesAsync() =>
        await _client.GetComponentStatesAsync(new GetComponentStatesRequest(), new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10))).ResponseAsync;

    /// <summary>Pings the process as its clients would, naming <paramref name="serverId"/>.</summary>
    public Task<PingResponse> PingAsync(long serverId) =>
        _client.PingAsync(new PingRequest(), new CallOptions(ComponentMethods.ForServer(serverId), DateTime.UtcNow.AddSeconds(2))).ResponseAsync;

    /// <summary>Polls the process until <paramref name="accept"/> holds; its state comes from another process, so there is no event to wait on.</summary>
    public async Task<ComponentStates> WaitForStatesAsync(Func<ComponentStates, bool> accept, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        ComponentStates? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await TryGetStatesAsync();
            if (last is not null && accept(last))
            {
                return last;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"{Role} pid {Runner.ProcessId}: last state {last}\n--- stdout ---\n{Runner.StandardOutput}");
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await Runner.DisposeAsync();
    }

    /// <summary>
    /// Completes with the active key of <paramref name="role"/> once it satisfies <paramref name="accept"/>: reads it,
    /// then watches it from the next revision, so a PUT is seen the moment etcd applies it.
    /// </summary>
    public static async Task<SessionInfo> WaitForActiveAsync(EtcdClient etcd, EtcdLayout layout, string role, Func<SessionInfo, bool> accept, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var key = layout.ActiveKey(role);
        var current = await etcd.GetAsync(key, cancellationToken: cts.Token);
        if (current.Kvs.Count == 1 && SessionInfo.TryParse(current.Kvs[0].Value.ToStringUtf8(), out var now, out _) && accept(now!))
        {
            return now!;
        }
        try
        {
            await foreach (var response in etcd.Watch(key, new WatchOptions { StartRevision = current.Header.Revision + 1, NoDelete = true }, cts.Token))
            {
                foreach (var e in response.Events)
                {
                    if (SessionInfo.TryParse(e.Kv.Value.ToStringUtf8(), out var s, out _) && accept(s!))
                    {
                        return s!;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
        }
        throw new TimeoutException($"no active {role} key matching within {timeout}");
    }

    /// <summary>The fenced epoch counter of a role (0 when absent).</summary>
    public static async Task<long> ReadEpochAsync(EtcdClient etcd, EtcdLayout layout, string role)
    {
        var r = await etcd.GetAsync(layout.EpochKey(role));
        return r.Kvs.Count == 0 ? 0 : long.Parse(r.Kvs[0].Value.ToStringUtf8(), CultureInfo.InvariantCulture);
    }
}
