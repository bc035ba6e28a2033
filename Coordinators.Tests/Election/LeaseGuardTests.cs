using Coordinators.Actors.Election;
using Microsoft.Extensions.Time.Testing;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Election;

public sealed class LeaseGuardTests
{
    private readonly FakeTimeProvider _time = new();

    // Timestamp 0 means "no acknowledgement" to the guard; start the manual clock past it.
    public LeaseGuardTests() => _time.Advance(TimeSpan.FromSeconds(1));

    [Fact]
    public void IsValid_NoAcknowledgement_False()
    {
        var guard = new LeaseGuard(_time, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(400));
        Assert.False(guard.IsValid);
        Assert.Equal(TimeSpan.Zero, guard.Remaining);
    }

    [Fact]
    public void IsValid_AfterAck_ExpiresAtTtlMinusMarginFromSendTime()
    {
        var guard = new LeaseGuard(_time, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(400));
        var sent = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(100));
        guard.Acknowledged(sent);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), guard.Remaining);
        _time.Advance(TimeSpan.FromMilliseconds(1499));
        Assert.True(guard.IsValid);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(guard.IsValid);
    }

    [Fact]
    public void Acknowledged_OlderSendTime_DoesNotMoveBack()
    {
        var guard = new LeaseGuard(_time, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(400));
        var older = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(500));
        var newer = _time.GetTimestamp();
        guard.Acknowledged(newer);
        guard.Acknowledged(older);
        Assert.Equal(TimeSpan.FromMilliseconds(1600), guard.Remaining);
    }

    [Fact]
    public void Reset_AfterAck_RefusesUntilNextAck()
    {
        var guard = new LeaseGuard(_time, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(400));
        guard.Acknowledged(_time.GetTimestamp());
        guard.Reset();
        Assert.False(guard.IsValid);
        guard.Acknowledged(_time.GetTimestamp());
        Assert.True(guard.IsValid);
    }

    [Fact]
    public void Constructor_MarginNotBelowTtl_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LeaseGuard(_time, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)));
}
