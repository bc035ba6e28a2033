using System.Diagnostics;
using Coordinators.Actors.Sessions;
using Coordinators.Tests.Etcd;
using Coordinators.Tests.Fixtures;
using Xunit.Abstractions;
using StateCode = Coordinators.Actors.Components.Proto.StateCode;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Election;

/// <summary>MEP 30's test plan with real etcd and real <c>coordinators run</c> processes, lease TTL 2 s.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class FailoverTests(EtcdSingleFixture etcd, ITestOutputHelper output) : IClassFixture<EtcdSingleFixture>
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task EachRole_KillThenRestartThenTerm_StandbyTakesOverInTime()
    {
        var root = EtcdSingleFixture.Prefix() + "c";
        var layout = new EtcdLayout(root);
        foreach (var role in Roles.Coordinators)
        {
            await using var a = await CoordinatorProcess.StartAsync(role, etcd.Cluster.ClientUrls, root);
            await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, role, s => s.ServerId == a.ServerId, Backstop);
            await using var b = await CoordinatorProcess.StartAsync(role, etcd.Cluster.ClientUrls, root);
            Assert.Equal(StateCode.StandBy, (await b.GetStatesAsync()).State);

            var killed = Stopwatch.StartNew();
            a.Runner.Signal(UnixSignal.SIGKILL);
            var active = await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, role, s => s.ServerId == b.ServerId, Backstop);
            var killTakeover = killed.Elapsed;
            // etcd expires the lease within TTL + its 500 ms tick; the rest is a backstop for a loaded two-core machine
            // (one CI run saw 3.2 s; `bench failover` measures the real figure: p99 2.3 s at TTL 2 s).
            Assert.True(killTakeover <= Ttl + TimeSpan.FromSeconds(2), $"{role}: SIGKILL takeover took {killTakeover.TotalMilliseconds:F0} ms");
            Assert.Equal(b.Address, active.Address);

            await using var again = await CoordinatorProcess.StartAsync(role, etcd.Cluster.ClientUrls, root);
            Assert.Equal(StateCode.StandBy, (await again.GetStatesAsync()).State);
            var status = (await ClusterStatus.ReadAsync(etcd.Client, layout)).Coordinators.Single(r => r.Role == role);
            Assert.Equal([b.ServerId, again.ServerId], status.Queue.Select(c => c.Session!.ServerId));

            var termed = Stopwatch.StartNew();
            b.Runner.Signal(UnixSignal.SIGTERM);
            await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, role, s => s.ServerId == again.ServerId, Backstop);
            var termTakeover = termed.Elapsed;
            Assert.True(termTakeover <= TimeSpan.FromSeconds(1),
                $"{role}: SIGTERM takeover took {termTakeover.TotalMilliseconds:F0} ms\n--- the stopped primary ---\n{Tail(b.Runner.StandardOutput)}\n--- its standby ---\n{Tail(again.Runner.StandardOutput)}");
            Assert.Equal(0, await b.Runner.WaitForExitAsync(Backstop));
            output.WriteLine($"{role}: SIGKILL -> new primary in {killTakeover.TotalMilliseconds:F0} ms; SIGTERM -> {termTakeover.TotalMilliseconds:F0} ms");
            Assert.Equal(3, await CoordinatorProcess.ReadEpochAsync(etcd.Client, layout, role));
        }
    }

    [Fact]
    public async Task Sigterm_StandbyRankedBeforeACompaction_LeadsWithoutRankingAgainAndKeepsLeading()
    {
        const string role = Roles.QueryCoord;
        var root = EtcdSingleFixture.Prefix() + "c";
        var layout = new EtcdLayout(root);
        await using var a = await CoordinatorProcess.StartAsync(role, etcd.Cluster.ClientUrls, root);
        await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, role, s => s.ServerId == a.ServerId, Backstop);
        await using var b = await CoordinatorProcess.StartAsync(role, etcd.Cluster.ClientUrls, root);
        await b.WaitForStatesAsync(s => s.State == StateCode.StandBy, Backstop);
        // etcd moves past the standby's rank read and compacts there (a standby that waited hours behind auto-compaction).
        await EtcdCompaction.MovePastAndCompactAsync(etcd.Client, root + "/other");

        a.Runner.Signal(UnixSignal.SIGTERM);
        await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, role, s => s.ServerId == b.ServerId, Backstop);

        // The only candidate ahead went, so b led without a second rank read and watched its own key from that rank's
        // revision + 1, which etcd has compacted: the watch is refused, the key read, and b leads on.
        await b.Runner.WaitForLineAsync(l => l.Contains("the candidate key's watch ended without a DELETE", StringComparison.Ordinal), Backstop);
        Assert.Contains(b.Runner.StandardOutput.Split('\n'), l => l.Contains("Standby -> Primary", StringComparison.Ordinal));
        Assert.Equal(StateCode.Healthy, (await b.GetStatesAsync()).State);
        Assert.DoesNotContain("candidate watch failed", b.Runner.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, await a.Runner.WaitForExitAsync(Backstop));
    }

    [Fact]
    public async Task PrimaryAndThreeStandbys_TenKills_OnePrimaryAndOneEpochPerTakeover()
    {
        const string role = Roles.RootCoord;
        var root = EtcdSingleFixture.Prefix() + "c";
        var layout = new EtcdLayout(root);
        var processes = new List<CoordinatorProcess>();
        using var stopPolling = new CancellationTokenSource();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                processes.Add(await CoordinatorProcess.StartAsync(role, etcd.Cluster.ClientUrls, root));
            }
            var maxServing = 0;
            var polls = 0;
            var poller = Task.Run(async () =>
            {
                while (!stopPolling.IsCancellationRequested)
                {
                    CoordinatorProcess[] snapshot;
                    lock (processes)
                    {
                        snapshot = [.. processes];
                    }
                    var states = await Task.WhenAll(snapshot.Select(p => p.TryGetStatesAsync()));
                    maxServing = Math.Max(maxServing, states.Count(s => s?.State == StateCode.Healthy));
                    polls++;
                    await Task.Delay(20);
                }
            });
            var primary = await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, role, _ => true, Backstop);
            for (var kill = 0; kill < 10; kill++)
            {
                var epoch = await CoordinatorProcess.ReadEpochAsync(etcd.Client, layout, role);
                CoordinatorProcess victim;
                lock (processes)
                {
                    victim = processes.Single(p => p.ServerId == primary.ServerId);
                }
                victim.Runner.Signal(UnixSignal.SIGKILL);
                var next = await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, role, s => s.ServerId != victim.ServerId, Backstop);
                Assert.Equal(epoch + 1, await CoordinatorProcess.ReadEpochAsync(etcd.Client, layout, role));
                Assert.Equal(next.Term, (await processes.Single(p => p.ServerId == next.ServerId).GetStatesAsync()).Term);
                lock (processes)
                {
                    processes.Remove(victim);
                }
                await victim.DisposeAsync();
                var replacement = await CoordinatorProcess.StartAsync(role, etcd.Cluster.ClientUrls, root);
                lock (processes)
                {
                    processes.Add(replacement);
                }
                primary = next;
            }
            await stopPolling.CancelAsync();
            await poller;
            output.WriteLine($"{polls} polls of every process; at most {maxServing} serving at once");
            Assert.Equal(1, maxServing);
        }
        finally
        {
            await stopPolling.CancelAsync();
            foreach (var p in processes)
            {
                await p.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task PrimaryPausedLongerThanTtl_StandbyTakesOverAndResumedOneServesNothing()
    {
        const string role = Roles.DataCoord;
        var root = EtcdSingleFixture.Prefix() + "c";
        var layout = new EtcdLayout(root);
        await using var a = await CoordinatorProcess.StartAsync(role, etcd.Cluster.ClientUrls, root);
        await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, role, s => s.ServerId == a.ServerId, Backstop);
        await using var b = await CoordinatorProcess.StartAsync(role, etcd.Cluster.ClientUrls, root);

        a.Runner.Signal(UnixSignal.SIGSTOP);
        await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, role, s => s.ServerId == b.ServerId, Ttl + TimeSpan.FromSeconds(2));
        a.Runner.Signal(UnixSignal.SIGCONT);

        // Its first request after the pause is refused: the guard expired, or it already stepped down.
        var refused = await Assert.ThrowsAsync<RpcException>(() => a.PingAsync(a.ServerId));
        Assert.True(refused.StatusCode is StatusCode.Unavailable or StatusCode.FailedPrecondition, refused.Status.ToString());
        // It rejoins as a standby with a new session (new ServerID); only b's takeover moved the epoch.
        var rejoined = await a.WaitForStatesAsync(s => s.ServerId != a.ServerId && s.ServerId != 0 && s.State == StateCode.StandBy, Backstop);
        Assert.Equal(2, await CoordinatorProcess.ReadEpochAsync(etcd.Client, layout, role));
        Assert.Equal(StateCode.Healthy, (await b.GetStatesAsync()).State);
        var status = (await ClusterStatus.ReadAsync(etcd.Client, layout)).Coordinators.Single(r => r.Role == role);
        Assert.Equal(b.ServerId, status.Primary!.ServerId);
        Assert.Equal([b.ServerId, rejoined.ServerId], status.Queue.Select(c => c.Session!.ServerId));
    }

    [Fact]
    public async Task EtcdctlElectList_SeesOurLeader()
    {
        const string role = Roles.IndexCoord;
        var root = EtcdSingleFixture.Prefix() + "c";
        var layout = new EtcdLayout(root);
        await using var a = await CoordinatorProcess.StartAsync(role, etcd.Cluster.ClientUrls, root);
        var active = await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, role, s => s.ServerId == a.ServerId, Backstop);

        var psi = new ProcessStartInfo("/usr/bin/etcdctl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["ETCDCTL_API"] = "3";
        psi.ArgumentList.Add("--endpoints=" + string.Join(',', etcd.Cluster.ClientUrls));
        psi.ArgumentList.Add("elect");
        psi.ArgumentList.Add("-l");
        psi.ArgumentList.Add($"{root}/election/{role}");
        using var etcdctl = Process.Start(psi)!;
        try
        {
            using var cts = new CancellationTokenSource(Backstop);
            var key = await etcdctl.StandardOutput.ReadLineAsync(cts.Token);
            var value = await etcdctl.StandardOutput.ReadLineAsync(cts.Token);
            Assert.Equal(layout.CandidateKey(role, active.LeaseId), key);
            Assert.True(SessionInfo.TryParse(value!, out var leader, out _));
            Assert.Equal(a.ServerId, leader!.ServerId);
        }
        finally
        {
            etcdctl.Kill();
            await etcdctl.WaitForExitAsync();
        }
    }

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(25));
}
