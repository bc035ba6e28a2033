using System.Diagnostics;
using Coordinators.Actors.Etcd;
using Grpc.Core;

namespace Coordinators.Tests.Fixtures;

/// <summary>
/// How long etcd itself answers no write after a fault on one member: from <see cref="StartedAt"/> (just after the
/// fault) to the first Put that succeeds through the other members. After a SIGKILL or SIGSTOP of the raft leader this
/// is etcd's re-election (1.0-1.9 s, longer after a split vote): a keep-alive cannot be answered sooner, so the tests
/// that hold the lease guard to a budget judge the client by what it adds to this, not by etcd's own election.
/// </summary>
internal sealed class EtcdWriteProbe
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromMilliseconds(250);

    private EtcdWriteProbe(long startedAt, Task<long> back)
    {
        StartedAt = startedAt;
        Back = back;
    }

    /// <summary>Monotonic timestamp (Stopwatch) the probe started at.</summary>
    public long StartedAt { get; }

    /// <summary>Monotonic timestamp of the first successful Put.</summary>
    public Task<long> Back { get; }

    /// <summary>etcd's write outage as this probe saw it.</summary>
    public async Task<TimeSpan> OutageAsync() => Stopwatch.GetElapsedTime(StartedAt, await Back);

    /// <summary>Starts probing through every member but <paramref name="victim"/>; gives up after <paramref name="backstop"/>.</summary>
    public static EtcdWriteProbe Start(EtcdCluster cluster, int victim, TimeSpan backstop)
    {
        var started = Stopwatch.GetTimestamp();
        return new EtcdWriteProbe(started, RunAsync(cluster.ClientUrls.Where((_, i) => i != victim).ToList(), backstop));
    }

    private static async Task<long> RunAsync(IReadOnlyList<string> endpoints, TimeSpan backstop)
    {
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = endpoints, DialTimeout = AttemptTimeout });
        using var deadline = new CancellationTokenSource(backstop);
        var key = "probe/" + Guid.NewGuid().ToString("N")[..8];
        for (var attempt = 1; ; attempt++)
        {
            using var one = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            one.CancelAfter(AttemptTimeout);
            try
            {
                await client.PutAsync(key, attempt.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken: one.Token);
                return Stopwatch.GetTimestamp();
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException && !deadline.IsCancellationRequested)
            {
                // No leader yet (or the member is the dead one): the next attempt after a short pause.
                await Task.Delay(TimeSpan.FromMilliseconds(10), deadline.Token);
            }
        }
    }
}
