using Coordinators.Actors.Components.Proto;
using Coordinators.Host.Demo;

namespace Coordinators.Tests.Demo;

/// <summary>The duties' invariants over what the demo's clients recorded: pure logic.</summary>
public sealed class DutyInvariantsTests
{
    [Fact]
    public void Monotonic_OverlappingCallsMayInterleave_Holds()
    {
        // The second call was sent before the first returned: its lower timestamp breaks nothing.
        TimestampCall[] calls = [new(0, 10, 100, 100), new(5, 12, 90, 90), new(13, 20, 101, 103)];
        Assert.True(DutyInvariants.Monotonic(calls).Passed);
    }

    [Fact]
    public void Monotonic_LowerTimestampAfterAReturnedOne_Fails()
    {
        TimestampCall[] calls = [new(0, 10, 100, 102), new(11, 15, 102, 102)];
        var result = DutyInvariants.Monotonic(calls);
        Assert.False(result.Passed);
        Assert.Contains("timestamp 102 sent at 0.011 s is not above 102", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Unique_OverlappingBlocks_NamesTheId()
    {
        var result = DutyInvariants.Unique([(1, 10), (20, 5), (9, 3)]);
        Assert.False(result.Passed);
        Assert.Equal("ID 9 was returned twice", result.Detail);
        Assert.True(DutyInvariants.Unique([(1, 10), (11, 5)]).Passed);
    }

    [Fact]
    public void Meta_AckedAndPendingWrites_HoldsForLastAckedOrLaterSent()
    {
        SegmentWrite[] creates = [new(0, true, "a", 1, SegmentState.Growing, 10), new(1, false, "b", 0, SegmentState.Growing, 20)];
        SegmentWrite[] updates = [new(2, true, "", 1, SegmentState.Sealed, 30), new(3, false, "", 1, SegmentState.Flushed, 40)];
        // The unacknowledged create "b" landed (id 2) and the unacknowledged update of 1 landed: both were sent.
        Segment[] etcd = [Seg(1, "a", SegmentState.Flushed, 40), Seg(2, "b", SegmentState.Growing, 20)];
        Assert.True(DutyInvariants.Meta(creates, updates, etcd, etcd, null, 0).Passed);
        Segment[] sealedOnly = [Seg(1, "a", SegmentState.Sealed, 30)];
        Assert.True(DutyInvariants.Meta(creates, updates, sealedOnly, sealedOnly, null, 0).Passed);
    }

    [Fact]
    public void Meta_LostAckedWriteUnsentSegmentOrDivergentPrimary_Fails()
    {
        SegmentWrite[] creates = [new(0, true, "a", 1, SegmentState.Growing, 10)];
        SegmentWrite[] updates = [new(2, true, "", 1, SegmentState.Sealed, 30)];
        Segment[] stale = [Seg(1, "a", SegmentState.Growing, 10)];
        Assert.Contains("holds Growing/10", DutyInvariants.Meta(creates, updates, stale, stale, null, 0).Detail, StringComparison.Ordinal);
        Segment[] extra = [Seg(1, "a", SegmentState.Sealed, 30), Seg(7, "zz", SegmentState.Growing, 1)];
        Assert.Contains("no create with that token was sent", DutyInvariants.Meta(creates, updates, extra, extra, null, 0).Detail, StringComparison.Ordinal);
        Segment[] good = [Seg(1, "a", SegmentState.Sealed, 30)];
        Assert.Contains("they differ", DutyInvariants.Meta(creates, updates, good, [], null, 0).Detail, StringComparison.Ordinal);
        Assert.Contains("not in etcd", DutyInvariants.Meta(creates, updates, [], [], null, 0).Detail, StringComparison.Ordinal);
    }

    private static Segment Seg(long id, string token, SegmentState state, long rows) =>
        new() { Id = id, CollectionId = 1, Token = token, State = state, RowCount = rows };
}
