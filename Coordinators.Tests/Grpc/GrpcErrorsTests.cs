using Coordinators.Actors.Grpc;
using Coordinators.Actors.Grpc.Internal;

namespace Coordinators.Tests.Grpc;

/// <summary>How HTTP/2 transport failures map to gRPC statuses (pure mapping; the exceptions are SocketsHttpHandler's shapes).</summary>
public sealed class GrpcErrorsTests
{
    [Fact]
    public void Map_ServerClosedTheConnection_Unavailable()
    {
        // What a call meets when it races a Kestrel shutdown (GOAWAY NO_ERROR): the call was not processed.
        var goaway = new HttpProtocolException(0, "The HTTP/2 server closed the connection. HTTP/2 error code 'NO_ERROR' (0x0).", null);
        var e = GrpcErrors.Map(new HttpRequestException(HttpRequestError.HttpProtocolError, goaway.Message, goaway), userCancelled: false, deadlineFired: false);
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
    }

    [Theory]
    [InlineData(0x7, StatusCode.Unavailable)]
    [InlineData(0x8, StatusCode.Cancelled)]
    [InlineData(0x2, StatusCode.Internal)]
    public void Map_StreamReset_FollowsTheGrpcHttp2Mapping(long code, StatusCode expected)
    {
        var reset = new HttpProtocolException(code, $"The HTTP/2 server reset the stream. HTTP/2 error code ({code}).", null);
        Assert.Equal(expected, GrpcErrors.Map(reset, userCancelled: false, deadlineFired: false).StatusCode);
    }
}
