using Coordinators.Actors.Components;
using Coordinators.Actors.Config;
using Coordinators.Actors.Connections;
using Coordinators.Actors.Transport;

namespace Coordinators.Tests.Connections;

public sealed class CallRetryPolicyTests
{
    private static readonly RpcException Unavailable = RpcErrors.Create(StatusCode.Unavailable, "connection refused");

    [Fact]
    public void Decide_NodeNotMatch_Reresolves()
    {
        var e = ComponentMethods.NodeNotMatchError("this is server 9, the call was for 4");
        Assert.Equal(CallAction.Reresolve, CallRetryPolicy.Decide(e, 1, 3, deadlinePassed: false, targetAvailable: true, waitForPrimary: false).Action);
    }

    [Theory]
    [InlineData(StatusCode.Unavailable)]
    [InlineData(StatusCode.DeadlineExceeded)]
    public void Decide_RetryableStatusBelowLimit_Retries(StatusCode code)
    {
        var d = CallRetryPolicy.Decide(RpcErrors.Create(code, "x"), 2, 3, false, true, false);
        Assert.Equal(CallAction.Retry, d.Action);
        Assert.Equal($"{code} is retryable", d.Reason);
    }

    [Fact]
    public void Decide_AttemptsExhausted_Fails()
    {
        var d = CallRetryPolicy.Decide(Unavailable, 3, 3, false, true, false);
        Assert.Equal(new CallDecision(CallAction.Fail, "3 attempts made"), d);
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument)]
    [InlineData(StatusCode.Internal)]
    [InlineData(StatusCode.Cancelled)]
    [InlineData(StatusCode.FailedPrecondition)]
    public void Decide_OtherStatus_FailsAtOnce(StatusCode code)
    {
        var d = CallRetryPolicy.Decide(RpcErrors.Create(code, "x"), 1, 3, false, true, false);
        Assert.Equal(new CallDecision(CallAction.Fail, $"{code} is not retryable"), d);
    }

    [Fact]
    public void Decide_TargetGone_FailsWithoutWaitingForBackoff()
    {
        var d = CallRetryPolicy.Decide(RpcErrors.Create(StatusCode.Unavailable, "server 4 left: session deleted"), 1, 3, false, targetAvailable: false, waitForPrimary: false);
        Assert.Equal(new CallDecision(CallAction.Fail, "no target is online any more"), d);
    }

    [Fact]
    public void Decide_UnavailableAndAnotherNodeOnline_RetriesElsewhereAtOnce()
    {
        var d = CallRetryPolicy.Decide(Unavailable, 1, 3, false, targetAvailable: true, waitForPrimary: false, otherTargetAvailable: true);
        Assert.Equal(new CallDecision(CallAction.RetryElsewhere, "Unavailable at one target; another is online"), d);
    }

    [Fact]
    public void Decide_AnotherNodeOnlineButAttemptsExhausted_Fails()
    {
        var d = CallRetryPolicy.Decide(Unavailable, 3, 3, false, targetAvailable: true, waitForPrimary: false, otherTargetAvailable: true);
        Assert.Equal(new CallDecision(CallAction.Fail, "3 attempts made"), d);
    }

    [Fact]
    public void Decide_WaitForPrimary_RetriesPastTheAttemptLimit()
    {
        var d = CallRetryPolicy.Decide(Unavailable, 12, 3, false, targetAvailable: false, waitForPrimary: true);
        Assert.Equal(new CallDecision(CallAction.Retry, "waiting for a primary"), d);
    }

    [Fact]
    public void Decide_DeadlinePassed_FailsEvenWhenWaitingForPrimary()
    {
        var d = CallRetryPolicy.Decide(Unavailable, 1, 3, deadlinePassed: true, targetAvailable: true, waitForPrimary: true);
        Assert.Equal(new CallDecision(CallAction.Fail, "the call's deadline passed"), d);
    }

    [Fact]
    public void Backoff_DoublesPerAttemptAndIsCapped()
    {
        var policy = new RetryPolicyOptions { Backoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(350) };
        Assert.Equal(TimeSpan.FromMilliseconds(100), CallRetryPolicy.Backoff(policy, 2));
        Assert.Equal(TimeSpan.FromMilliseconds(200), CallRetryPolicy.Backoff(policy, 3));
        Assert.Equal(TimeSpan.FromMilliseconds(350), CallRetryPolicy.Backoff(policy, 4));
        Assert.Equal(TimeSpan.FromMilliseconds(350), CallRetryPolicy.Backoff(policy, 40));
    }
}
