using Coordinators.Actors.Config;

namespace Coordinators.Tests.Config;

public sealed class DurationTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("10s", 10_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("250", 250)]
    [InlineData("10 seconds", 10_000)]
    [InlineData(" 3 minutes ", 180_000)]
    [InlineData("0s", 0)]
    public void TryParse_ValidDuration_ReturnsMilliseconds(string text, double milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("not-a-duration")]
    [InlineData("")]
    [InlineData("10x")]
    [InlineData("-5s")]
    [InlineData("s")]
    [InlineData("1.2.3s")]
    [InlineData("10S")]
    [InlineData(null)]
    public void TryParse_InvalidDuration_ReturnsFalse(string? text) => Assert.False(Duration.TryParse(text, out _));

    [Theory]
    [InlineData(500, "500ms")]
    [InlineData(10_000, "10s")]
    [InlineData(120_000, "2m")]
    [InlineData(1_500, "1500ms")]
    [InlineData(3_600_000, "1h")]
    [InlineData(0, "0s")]
    public void Format_PicksTheLargestExactUnit(double milliseconds, string expected) =>
        Assert.Equal(expected, Duration.Format(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void Parse_InvalidDuration_ThrowsWithTheExpectedForm()
    {
        var e = Assert.Throws<FormatException>(() => Duration.Parse("soon"));
        Assert.Equal("\"soon\": expected a duration like 500ms, 10s, 2m", e.Message);
    }
}
