using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Sessions;

public sealed class SessionInfoTests
{
    [Fact]
    public void ToJson_ProcessSession_OmitsTermAndSince()
    {
        var json = new SessionInfo { ServerId = 3, Role = "rootcoord", Address = "127.0.0.1:1", LeaseId = 5 }.ToJson();
        Assert.DoesNotContain("term", json, StringComparison.Ordinal);
        Assert.DoesNotContain("since", json, StringComparison.Ordinal);
        Assert.True(SessionInfo.TryParse(json, out var parsed, out _));
        Assert.Equal(3, parsed!.ServerId);
        Assert.Equal(5, parsed.LeaseId);
    }

    [Fact]
    public void TryParse_ActiveKeyWithUnknownFields_KeepsTermIgnoresUnknown()
    {
        const string json = """{"serverId":9,"role":"datacoord","address":"h:1","term":42,"since":"2024-01-01T00:00:00Z","future":1}""";
        Assert.True(SessionInfo.TryParse(json, out var parsed, out var error));
        Assert.Equal(string.Empty, error);
        Assert.Equal(42, parsed!.Term);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), parsed.Since);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"serverId":0,"role":"x","address":"a"}""")]
    [InlineData("""{"serverId":1,"role":"","address":"a"}""")]
    public void TryParse_Malformed_FalseWithReason(string json)
    {
        Assert.False(SessionInfo.TryParse(json, out var parsed, out var error));
        Assert.Null(parsed);
        Assert.NotEqual(string.Empty, error);
    }
}
