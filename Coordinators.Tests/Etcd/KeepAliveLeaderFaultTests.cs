using Coordinators.Actors.Config;
using Coordinators.Actors.Etcd;
using Coordinators.Tests.Fixtures;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Coordinators.Tests.Etcd;

/// <summary>
/// The keep-alive through etcd losing its raft leader (SIGKILL, or SIGSTOP for 2 s) on a real 3-member cluster: with
/// the default interval and guard margin, the lease guard must never lapse (a lapse is a coordinator step-down).
/// A lapse is computed exactly from the acknowledgements: the guard lapses when an answer arrives later than TTL minus
/// the margin after the newest send acknowledged before it.
/// </summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class KeepAliveLeaderFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task KeepAlive_LeaderKilledThreeTimes_Ttl3s_GuardNeverLapses()
    {
        await using var cluster = await EtcdCluster.StartThreeAsync();
        var lapses = await RunFaultsAsync(cluster, TimeSpan.FromSeconds(3), 3, async leader =>
        {
            cluster.Kill(leader);
            await Task.Delay(TimeSpan.FromSeconds(3)); // the fault's length: one TTL without that member
            await cluster.RestartAsync(leader);
        });
        Assert.Empty(lapses);
    }

    [Fact]
    public async Task KeepAlive_LeaderPausedTwoSecondsTwice_Ttl4s_GuardNeverLapses()
    {
        await using var cluster = await EtcdCluster.StartThreeAsync();
        var lapses = await RunFaultsAsync(cluster, TimeSpan.FromSeconds(4), 2, async leader =>
        {
            cluster.Pause(leader);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2)); // the fault's length
            }
            finally
            {
                cluster.Resume(leader);
            }
            await Task.Delay(TimeSpan.FromSeconds(2));
        });
        Assert.Empty(lapses);
    }

    /// <summary>
    /// Runs <paramref name="faults"/> faults on the current leader, each with a fresh lease whose keep-alive stream starts
    /// on that leader (the worst case); returns each guard lapse (how late the answer came).
    /// </summary>
    private async Task<List<string>> RunFaultsAsync(EtcdCluster cluster, TimeSpan ttl, int faults, Func<int, Task> fault)
    {
        var session = new SessionOptions { Ttl = ttl };
        var allowed = ttl - session.LeaseGuardMargin;
        var lapses = new List<string>();
        using var probe = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls });
        for (var i = 0; i < faults; i++)
        {
            var leader = await LeaderIndexAsync(probe, cluster);
            using var client = new EtcdClient(new EtcdClientOptions
            {
                Endpoints = [cluster.ClientUrls[leader], .. cluster.ClientUrls.Where((_, j) => j != leader)],
                Logger = new TestOutputLoggerProvider(output).CreateLogger("etcd"),
            });
            var lease = await client.GrantLeaseAsync((long)ttl.TotalSeconds);
            using var cts = new CancellationTokenSource(Backstop);
            var acks = 0;
            var twoAcks = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var keepAlive = client.KeepAlive(lease.ID, session.KeepAliveInterval, cts.Token);
            long newestSent = 0;
            var longest = TimeSpan.Zero;
            var reader = Task.Run(async () =>
            {
                await foreach (var e in keepAlive.Events.ReadAllAsync(cts.Token))
                {
                    if (e is LeaseLost lost)
                    {
                        lapses.Add($"fault {i + 1}: lease lost: {lost.Reason} {lost.Detail}");
                        return;
                    }
                    var ack = (LeaseAcknowledged)e;
                    var newest = Interlocked.Read(ref newestSent);
                    var late = TimeProvider.System.GetElapsedTime(newest, ack.ReceivedTimestamp);
                    if (newest != 0 && late > longest)
                    {
                        longest = late;
                    }
                    if (newest != 0 && late > allowed)
                    {
                        lapses.Add($"fault {i + 1}: answer {late.TotalMilliseconds:F0} ms after the newest acknowledged send (the guard allows {allowed.TotalMilliseconds:F0} ms)");
                    }
                    Interlocked.Exchange(ref newestSent, Math.Max(newest, ack.SentTimestamp));
                    if (Interlocked.Increment(ref acks) == 2)
                    {
                        twoAcks.TrySetResult();
                    }
                }
            }, cts.Token);
            await twoAcks.Task.WaitAsync(cts.Token);
            var before = Volatile.Read(ref acks);
            await fault(leader);
            var silent = TimeProvider.System.GetElapsedTime(Interlocked.Read(ref newestSent));
            if (silent > allowed)
            {
                lapses.Add($"fault {i + 1}: no acknowledgement for {silent.TotalMilliseconds:F0} ms (the guard allows {allowed.TotalMilliseconds:F0} ms)");
            }
            output.WriteLine($"fault {i + 1} on member {leader}: {Volatile.Read(ref acks) - before} acknowledgements during it, longest answer after the newest acknowledged send {longest.TotalMilliseconds:F0} ms (guard allows {allowed.TotalMilliseconds:F0} ms), lapses so far {lapses.Count}");
            await keepAlive.DisposeAsync();
            await cts.CancelAsync();
            try
            {
                await reader;
            }
            catch (OperationCanceledException)
            {
            }
        }
        foreach (var lapse in lapses)
        {
            output.WriteLine(lapse);
        }
        return lapses;
    }

    private static async Task<int> LeaderIndexAsync(EtcdClient client, EtcdCluster cluster)
    {
        for (var i = 0; i < cluster.ClientUrls.Count; i++)
        {
            var status = await client.StatusAsync(cluster.ClientUrls[i]);
            if (status.Header.MemberId == status.Leader)
            {
                return i;
            }
        }
        throw new InvalidOperationException("no member reports itself the leader");
    }
}
