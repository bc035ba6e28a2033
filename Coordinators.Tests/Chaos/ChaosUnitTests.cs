using Coordinators.Host.Chaos;
using Coordinators.Host.Demo;

namespace Coordinators.Tests.Chaos;

/// <summary>The chaos schedule, the overlap proof and the summary's percentiles, on hand-made inputs.</summary>
public sealed class ChaosUnitTests
{
    private static readonly string[] Roles = ["rootcoord", "datacoord"];

    [Fact]
    public void Plan_SameSeed_SameSchedule_OtherSeed_Other()
    {
        var a = ChaosPlan.Create(42, Roles).Take(60).ToList();
        var b = ChaosPlan.Create(42, Roles).Take(60).ToList();
        var c = ChaosPlan.Create(43, Roles).Take(60).ToList();

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        // Every kind turns up in 60 draws, etcd faults name no role, and only partitions have a partition time (1-3 s).
        Assert.Equal(Enum.GetValues<ChaosFaultKind>().Length, a.Select(f => f.Kind).Distinct().Count());
        Assert.All(a.Where(f => f.Kind is ChaosFaultKind.EtcdKill or ChaosFaultKind.EtcdLeaderStop or ChaosFaultKind.PartitionEtcdMember), f => Assert.Null(f.Role));
        Assert.All(a.Where(f => f.Kind.IsPartition()), f => Assert.InRange(f.PartitionMs, 1000, 2999));
        Assert.All(a.Where(f => !f.Kind.IsPartition()), f => Assert.Equal(0, f.PartitionMs));
        Assert.All(a, f => Assert.InRange(f.EtcdMember, 0, 2));
    }

    [Fact]
    public void FaultKinds_Parse_NamesInTheEnumsOrder_UnknownNameNamedWithTheKnownOnes()
    {
        Assert.Equal("etcd-leader-stop", ChaosFaultKind.EtcdLeaderStop.CliName());
        Assert.Equal([ChaosFaultKind.EtcdKill, ChaosFaultKind.EtcdLeaderStop], ChaosFaultKinds.Parse("etcd-leader-stop, ETCD-KILL,etcd-kill", out var none));
        Assert.Null(none);
        Assert.Equal(ChaosFaultKinds.All, ChaosFaultKinds.Parse("all", out _));

        Assert.Null(ChaosFaultKinds.Parse("etcd-kill,etcd-explode", out var error));
        Assert.StartsWith("unknown fault kind 'etcd-explode'; known: all, primary-kill, primary-stop, primary-term, standby-kill, etcd-kill,", error, StringComparison.Ordinal);
        Assert.Null(ChaosFaultKinds.Parse(" , ", out error));
        Assert.StartsWith("no fault kind given", error, StringComparison.Ordinal);
    }

    [Fact]
    public void CallsFailedOutsideFaults_OnlyFailuresOverlappingNoWindowCount()
    {
        (double, double)[] windows = [(1_000, 3_000), (5_000, 6_000)];
        CallRecord[] calls =
        [
            new(100, 200, Ok: true, "rootcoord", "querynode"),
            new(500, 1_200, Ok: false, "rootcoord", "querynode", "Unavailable: began before the fault, ended in it"),
            new(2_000, 2_100, Ok: false, "datacoord", "datanode", "Unavailable: inside"),
            new(2_900, 3_500, Ok: false, "datacoord", "datanode", "DeadlineExceeded: ran out of the window"),
            new(3_100, 3_200, Ok: false, "querycoord", "querynode", "Unavailable: between the faults"),
            new(6_001, 6_050, Ok: false, "indexcoord", "indexnode", "Unavailable: after the last"),
            new(4_000, 4_100, Ok: true, "rootcoord", "querynode"),
        ];

        var lost = ChaosChecker.CallsFailedOutsideFaults(calls, windows);

        Assert.Equal(["querycoord", "indexcoord"], lost.Select(c => c.CoordinatorRole));
    }

    [Fact]
    public void Plan_WithoutPartitions_DrawsOnlyProcessKinds()
    {
        var plan = ChaosPlan.Create(42, Roles, ChaosFaultKinds.Process).Take(60).ToList();

        Assert.Equal(6, plan.Select(f => f.Kind).Distinct().Count());
        Assert.DoesNotContain(plan, f => f.Kind.IsPartition());
    }

    [Fact]
    public void CutFromEtcdProblems_HealthyAnswerAfterTtlOrNoStopOrTakeoverAfterHeal_Reported()
    {
        var ttl = TimeSpan.FromSeconds(2);
        // A late non-Healthy answer (2100 ms) is no problem: the last Healthy question went out at 1550 ms.
        Assert.Empty(ChaosFaultRunner.CutFromEtcdProblems(2100, 1550, 2300, 4000, ttl));
        Assert.Contains("sent 2050 ms after the cut", Assert.Single(ChaosFaultRunner.CutFromEtcdProblems(2100, 2050, 2300, 4000, ttl)), StringComparison.Ordinal);
        Assert.Contains("never answered other than Healthy", Assert.Single(ChaosFaultRunner.CutFromEtcdProblems(null, 1550, 2300, 4000, ttl)), StringComparison.Ordinal);
        Assert.Contains("after the heal", Assert.Single(ChaosFaultRunner.CutFromEtcdProblems(1600, 1550, 4500, 4000, ttl)), StringComparison.Ordinal);
    }

    [Fact]
    public void Overlaps_CertainSpansIntersect_Reported_HandoverWithinAnswerWindows_NotReported()
    {
        // Server 1 certainly served 100..1000; server 2 from 1020. A handover inside the answers' windows proves nothing.
        var old = new ServingInterval("rootcoord", 1, 10, 3, 50, 100, 1000, 1040, 20);
        var next = new ServingInterval("rootcoord", 2, 11, 4, 990, 1020, 3000, 3010, 40);
        Assert.Empty(ChaosObserver.Overlaps([old, next]));

        // Server 1 answered Healthy to a question sent at 1500, after server 2 had certainly served from 1020.
        var late = old with { LastSent = 1500, LastReceived = 1530 };
        var found = Assert.Single(ChaosObserver.Overlaps([late, next]));
        Assert.Contains("server 1 (term 3)", found, StringComparison.Ordinal);

        // One answer alone, wholly inside another server's certain span, proves an overlap too.
        var single = new ServingInterval("rootcoord", 3, 12, 2, 2000, 2010, 2000, 2010, 1);
        Assert.Single(ChaosObserver.Overlaps([next, single]));
        // Other roles never overlap each other.
        Assert.Empty(ChaosObserver.Overlaps([next, single with { Role = "datacoord" }]));
    }

    [Fact]
    public void UnexpectedExits_OnlyExitsWithoutASignalBeforeTheStop()
    {
        var events = new DemoEvents();
        events.Add("signal", "rootcoord-1", new() { ["pid"] = 100, ["signal"] = "SIGKILL" });
        events.Add("exit", "rootcoord-1", new() { ["pid"] = 100, ["exitCode"] = 137 });
        events.Add("signal", "rootcoord-2", new() { ["pid"] = 200, ["signal"] = "SIGSTOP" });
        events.Add("exit", "rootcoord-2", new() { ["pid"] = 200, ["exitCode"] = 1 });
        var stop = events.NowMs + 1;

        var exits = ChaosChecker.UnexpectedExits(events.Snapshot(), stop);

        var only = Assert.Single(exits);
        Assert.StartsWith("rootcoord-2 (pid 200) exited with 1", only, StringComparison.Ordinal);
        Assert.Empty(ChaosChecker.UnexpectedExits(events.Snapshot(), 0));
    }

    [Fact]
    public void Percentile_NearestRank()
    {
        double[] sorted = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000];
        Assert.Equal(500, ChaosSummary.Percentile(sorted, 0.5));
        Assert.Equal(1000, ChaosSummary.Percentile(sorted, 0.95));
        Assert.Equal(100, ChaosSummary.Percentile([100], 0.95));
        Assert.Equal(0, ChaosSummary.Percentile([], 0.5));
    }

    [Fact]
    public void Settle_MembershipChangeAfterTheClusterLookedWhole_KeepsTheWindowOpenForOneQuietPeriod()
    {
        var events = new DemoEvents();
        var settle = new ClusterSettle(events, TimeSpan.FromSeconds(2.5));
        var start = settle.LastChangeMs;

        // Whole at once, but not yet quiet; never settled while not whole.
        Assert.False(settle.IsSettled(true, start + 1000, start));
        Assert.True(settle.IsSettled(true, start + 2500, start));
        Assert.False(settle.IsSettled(false, start + 60_000, start));

        // A 2 s SIGSTOP of the etcd leader publishes nothing: quiet throughout, yet the quiet period runs from SIGCONT
        // (seed 5 closed such a window at SIGCONT, before the resumed leader revoked the leases).
        var sigcont = start + 5000;
        Assert.False(settle.IsSettled(true, sigcont + 100, sigcont));
        Assert.True(settle.IsSettled(true, sigcont + 2500, sigcont));

        // A resumed etcd leader revokes every lease after the cluster looked whole: the quiet period starts again from it.
        var late = events.Add("session-del", null, new() { ["role"] = "rootcoord", ["serverId"] = 40L, ["pid"] = 1 });
        Assert.Equal(late.AtMs, settle.LastChangeMs);
        Assert.False(settle.IsSettled(true, late.AtMs + 2499, start));
        Assert.True(settle.IsSettled(true, late.AtMs + 2500, start));

        // What is not membership (a failed call, a signal) does not hold the window open.
        events.Add("call-failed");
        events.Add("signal");
        Assert.Equal(late.AtMs, settle.LastChangeMs);
    }

    [Fact]
    public void EpochWithin_ExtraRiseOnlyForCandidatesLost_ASameTermSecondIncrementFails()
    {
        Assert.True(ChaosFaultResult.EpochWithin(rise: 1, takeovers: 1, candidatesLost: 0));
        // A primary whose guard lapsed leads again with the same term and raises the epoch again: no candidate lost.
        Assert.False(ChaosFaultResult.EpochWithin(rise: 2, takeovers: 1, candidatesLost: 0));
        // Chaos seed 4, an etcd-leader pause at TTL 2 s: rootcoord 6 -> 8 for one takeover; the candidate that won first
        // raised the epoch and lost its lease before publishing (two candidates lost beside the primary's).
        Assert.True(ChaosFaultResult.EpochWithin(rise: 2, takeovers: 1, candidatesLost: 2));
        // A takeover always raises it.
        Assert.False(ChaosFaultResult.EpochWithin(rise: 0, takeovers: 1, candidatesLost: 3));
        Assert.False(ChaosFaultResult.EpochWithin(rise: 3, takeovers: 1, candidatesLost: 1));
    }
}
