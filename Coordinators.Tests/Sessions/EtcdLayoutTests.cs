using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Sessions;

public sealed class EtcdLayoutTests
{
    private readonly EtcdLayout _layout = new("coordinators/");

    [Fact]
    public void Keys_UnderRoot_MatchTheDesign()
    {
        Assert.Equal("coordinators", _layout.Root);
        Assert.Equal("coordinators/session/id", _layout.ServerIdCounter);
        Assert.Equal("coordinators/session/rootcoord-7", _layout.SessionKey("rootcoord", 7));
        Assert.Equal("coordinators/session/rootcoord", _layout.ActiveKey("rootcoord"));
        Assert.Equal("coordinators/election/datacoord/", _layout.ElectionPrefix("datacoord"));
        Assert.Equal("coordinators/meta/querycoord/epoch", _layout.EpochKey("querycoord"));
    }

    [Fact]
    public void CandidateKey_LeaseId_LowercaseHexUnpadded()
    {
        Assert.Equal("coordinators/election/rootcoord/390da202eff2d706", _layout.CandidateKey("rootcoord", 0x390da202eff2d706));
        Assert.Equal("coordinators/election/rootcoord/a", _layout.CandidateKey("rootcoord", 10));
    }

    [Theory]
    [InlineData("coordinators/session/querynode-12", true, "querynode", 12L)]
    [InlineData("coordinators/session/rootcoord", true, "rootcoord", 0L)]
    [InlineData("coordinators/session/id", false, "", 0L)]
    [InlineData("coordinators/election/rootcoord/1", false, "", 0L)]
    [InlineData("other/session/rootcoord-1", false, "", 0L)]
    public void TryParseSessionKey_Key_Classified(string key, bool ok, string role, long serverId)
    {
        Assert.Equal(ok, _layout.TryParseSessionKey(key, out var r, out var id));
        Assert.Equal(role, r);
        Assert.Equal(serverId, id);
    }
}
