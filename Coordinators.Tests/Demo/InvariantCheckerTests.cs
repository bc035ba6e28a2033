using Coordinators.Host.Demo;

namespace Coordinators.Tests.Demo;

/// <summary>The single-primary check over the workload's calls: pure logic over call records.</summary>
public sealed class InvariantCheckerTests
{
    private static CallRecord Call(string role, long term, double startMs, double endMs) =>
        new(startMs, endMs, Ok: true, role, "querynode", CoordinatorTerm: term);

    [Fact]
    public void StaleTermCalls_HandoverWithOverlappingCalls_NoViolation()
    {
        // The old primary's last call started before the new primary's first call ended: no order is broken.
        CallRecord[] calls =
        [
            Call("rootcoord", 10, 0, 5), Call("rootcoord", 10, 8, 12),
            Call("rootcoord", 20, 9, 15), Call("rootcoord", 20, 16, 18),
        ];
        Assert.Empty(InvariantChecker.StaleTermCalls(calls));
    }

    [Fact]
    public void StaleTermCalls_OlderTermStartedAfterNewerEnded_NamesRoleTermsAndTimes()
    {
        CallRecord[] calls = [Call("datacoord", 10, 0, 5), Call("datacoord", 20, 6, 15), Call("datacoord", 10, 1500, 1510)];
        var found = Assert.Single(InvariantChecker.StaleTermCalls(calls));
        Assert.Equal("datacoord: a call answered by term 10 started at 1.500 s, after a call answered by term 20 had ended at 0.015 s", found);
    }

    [Fact]
    public void StaleTermCalls_ThreeTerms_ViolationAcrossTheMiddleTermIsFound()
    {
        // Term 30 answered early; term 10 answered after it; term 20, in between, does not hide it.
        CallRecord[] calls = [Call("querycoord", 30, 0, 2), Call("querycoord", 20, 1, 50), Call("querycoord", 10, 3, 4)];
        Assert.Contains("term 10", Assert.Single(InvariantChecker.StaleTermCalls(calls)), StringComparison.Ordinal);
    }

    [Fact]
    public void StaleTermCalls_RolesAreSeparateAndFailedCallsIgnored()
    {
        CallRecord[] calls =
        [
            Call("rootcoord", 50, 0, 1),
            Call("indexcoord", 10, 5, 6), // another role: its lower term proves nothing about rootcoord
            new(7, 8, Ok: false, "rootcoord", "querynode", "Unavailable: x", CoordinatorTerm: 0),
            Call("rootcoord", 0, 9, 10), // no term reported
        ];
        Assert.Empty(InvariantChecker.StaleTermCalls(calls));
    }

    [Fact]
    public void SinglePrimaryResult_CleanSamplesAndCalls_PassesWithBothCounts()
    {
        var result = InvariantChecker.SinglePrimaryResult(120, 0, [], [Call("rootcoord", 1, 0, 1), Call("rootcoord", 2, 2, 3)]);
        Assert.True(result.Passed);
        Assert.Equal("120 GetComponentStates answers, no older term Healthy after a newer one; 2 calls answered with their primary's term, none by an older term after a newer one had answered", result.Detail);
    }

    [Fact]
    public void SinglePrimaryResult_StaleCallOrNoSample_Fails()
    {
        var stale = InvariantChecker.SinglePrimaryResult(120, 0, [], [Call("rootcoord", 2, 0, 1), Call("rootcoord", 1, 2, 3)]);
        Assert.False(stale.Passed);
        Assert.StartsWith("1 role(s) served by an older term after a newer one, first: rootcoord: a call answered by term 1", stale.Detail, StringComparison.Ordinal);

        var overlapping = InvariantChecker.SinglePrimaryResult(120, 3, ["rootcoord terms 1 and 2 Healthy at 4.2 s"], []);
        Assert.False(overlapping.Passed);
        Assert.Equal("3 overlapping samples, first: rootcoord terms 1 and 2 Healthy at 4.2 s", overlapping.Detail);

        Assert.False(InvariantChecker.SinglePrimaryResult(0, 0, [], [Call("rootcoord", 1, 0, 1)]).Passed);
    }
}
