using System.Net;
using Coordinators.Actors.Grpc;
using Coordinators.Actors.Grpc.Health;
using Coordinators.Tests.Grpc.Interop;

namespace Coordinators.Tests.Grpc;

/// <summary>The server's wire behaviour seen through a bare HTTP/2 client: framing, status placement, HTTP errors.</summary>
public sealed class GrpcServerHttpTests
{
    private static readonly string EchoPath = InteropMethods.Echo.FullName;

    [Fact]
    public async Task UnknownPath_TrailersOnlyUnimplemented_NoBody()
    {
        await using var server = await InteropServer.StartAsync();
        using var client = RawGrpc.CreateClient();
        var response = await RawGrpc.SendAsync(client, RawGrpc.Request(server.Server.BaseAddress, "/coordinators.interop.Interop/Nope", RawGrpc.Frame(new EchoRequest())));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.ContentHeaders.ContentType?.MediaType);
        Assert.Equal("12", RawGrpc.Single(response.Headers, "grpc-status"));
        Assert.Equal("unknown method Nope for service coordinators.interop.Interop", RawGrpc.Single(response.Headers, "grpc-message"));
        Assert.Empty(response.Body);
        Assert.Empty(response.Trailers);
    }

    [Fact]
    public async Task PathWithWrongCase_Unimplemented()
    {
        await using var server = await InteropServer.StartAsync();
        using var client = RawGrpc.CreateClient();
        var response = await RawGrpc.SendAsync(client, RawGrpc.Request(server.Server.BaseAddress, "/coordinators.interop.Interop/echo", RawGrpc.Frame(new EchoRequest())));
        Assert.Equal("12", RawGrpc.Single(response.Headers, "grpc-status"));
        Assert.Equal("unknown method echo for service coordinators.interop.Interop", RawGrpc.Single(response.Headers, "grpc-message"));
    }

    [Fact]
    public async Task Get_MethodNotAllowed405_WithAllowPost()
    {
        await using var server = await InteropServer.StartAsync();
        using var client = RawGrpc.CreateClient();
        var response = await RawGrpc.SendAsync(client, RawGrpc.Request(server.Server.BaseAddress, EchoPath, null, method: "GET"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("13", RawGrpc.Single(response.Headers, "grpc-status"));
        Assert.Equal("gRPC requires POST, not GET", RawGrpc.Single(response.Headers, "grpc-message"));
        Assert.Equal(["POST"], response.ContentHeaders.Allow);
    }

    [Fact]
    public async Task JsonContentType_UnsupportedMediaType415()
    {
        await using var server = await InteropServer.StartAsync();
        using var client = RawGrpc.CreateClient();
        var response = await RawGrpc.SendAsync(client, RawGrpc.Request(server.Server.BaseAddress, EchoPath, [1, 2], contentType: "application/json"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("13", RawGrpc.Single(response.Headers, "grpc-status"));
        Assert.Equal("content-type 'application/json' is not supported; gRPC requires application/grpc", RawGrpc.Single(response.Headers, "grpc-message"));
    }

    [Fact]
    public async Task Unary_Ok_OneFrameThenStatusTrailer()
    {
        await using var server = await InteropServer.StartAsync();
        using var client = RawGrpc.CreateClient();
        var response = await RawGrpc.SendAsync(client, RawGrpc.Request(server.Server.BaseAddress, EchoPath, RawGrpc.Frame(new EchoRequest { Text = "hi" })));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("application/grpc", response.ContentHeaders.ContentType?.MediaType);
        Assert.Null(RawGrpc.Single(response.Headers, "grpc-status"));
        Assert.Equal("hi", Assert.Single(RawGrpc.Unframe(response.Body, EchoReply.Parser)).Text);
        Assert.Equal("0", RawGrpc.Single(response.Trailers, "grpc-status"));
    }

    [Fact]
    public async Task ServerStreaming_FramesThenStatusTrailer()
    {
        await using var server = await InteropServer.StartAsync();
        using var client = RawGrpc.CreateClient();
        var response = await RawGrpc.SendAsync(client, RawGrpc.Request(server.Server.BaseAddress, InteropMethods.Count.FullName, RawGrpc.Frame(new CountRequest { N = 3 })));
        Assert.Equal("3", RawGrpc.Single(response.Headers, "x-count"));
        Assert.Equal([1, 2, 3], RawGrpc.Unframe(response.Body, CountReply.Parser).Select(r => r.Value));
        Assert.Equal("0", RawGrpc.Single(response.Trailers, "grpc-status"));
    }

    [Fact]
    public async Task RpcException_NonAsciiMessage_PercentEncodedTrailersOnly()
    {
        await using var server = await InteropServer.StartAsync();
        using var client = RawGrpc.CreateClient();
        var request = new FailRequest { Code = (int)StatusCode.FailedPrecondition, Message = "überlastet: 東京 %" };
        var response = await RawGrpc.SendAsync(client, RawGrpc.Request(server.Server.BaseAddress, InteropMethods.Fail.FullName, RawGrpc.Frame(request)));
        Assert.Equal("9", RawGrpc.Single(response.Headers, "grpc-status"));
        // Only bytes outside 0x20-0x7E and '%' are escaped: ':' and ' ' stay literal.
        Assert.Equal("%C3%BCberlastet: %E6%9D%B1%E4%BA%AC %25", RawGrpc.Single(response.Headers, "grpc-message"));
        Assert.Empty(response.Body);
    }

    [Fact]
    public async Task HandlerThrowsPlainException_InternalWithGenericMessageOnly()
    {
        await using var server = await InteropServer.StartAsync();
        using var client = RawGrpc.CreateClient();
        var response = await RawGrpc.SendAsync(client, RawGrpc.Request(server.Server.BaseAddress, InteropMethods.Boom.FullName, RawGrpc.Frame(new EchoRequest())));
        Assert.Equal("13", RawGrpc.Single(response.Headers, "grpc-status"));
        Assert.Equal("Exception was thrown by handler.", RawGrpc.Single(response.Headers, "grpc-message"));
        Assert.DoesNotContain(response.Headers, h => h.Value.Any(v => v.Contains("secret", StringComparison.Ordinal)));
        Assert.Empty(response.Body);
    }

    [Fact]
    public async Task GrpcTimeout_SlowHandler_DeadlineExceededAndTokenCancelled()
    {
        await using var server = await InteropServer.StartAsync();
        using var client = RawGrpc.CreateClient();
        var request = RawGrpc.Request(server.Server.BaseAddress, InteropMethods.Slow.FullName, RawGrpc.Frame(new SlowRequest { DelayMs = 30_000 }));
        // A whole second, so that even on a loaded machine the handler runs (and sees its token fire) before the
        // deadline passes; a deadline that passes while the request is still read ends the call without it.
        request.Headers.TryAddWithoutValidation("grpc-timeout", "1S");
        var response = await RawGrpc.SendAsync(client, request);
        Assert.Equal("4", RawGrpc.Single(response.Headers, "grpc-status"));
        Assert.Equal("Deadline Exceeded", RawGrpc.Single(response.Headers, "grpc-message"));
        Assert.True(server.SlowCancelled.Task.IsCompleted);
    }

    [Fact]
    public async Task GrpcTimeoutZero_DeadlineExceededWithoutRunningHandler()
    {
        await using var server = await InteropServer.StartAsync();
        using var client = RawGrpc.CreateClient();
        var request = RawGrpc.Request(server.Server.BaseAddress, InteropMethods.Slow.FullName, RawGrpc.Frame(new SlowRequest { DelayMs = 30_000 }));
        request.Headers.TryAddWithoutValidation("grpc-timeout", "0m");
        var response = await RawGrpc.SendAsync(client, request);
        Assert.Equal("4", RawGrpc.Single(response.Headers, "grpc-status"));
        Assert.Equal(default, server.LastSlowDeadline);
    }

    [Fact]
    public async Task ResponseOverSendLimit_ResourceExhausted()
    {
        await using var server = await InteropServer.StartAsync(b => b.ConfigureOptions(o => o.MaxSendMessageSize = 16));
        using var client = RawGrpc.CreateClient();
        var response = await RawGrpc.SendAsync(client, RawGrpc.Request(server.Server.BaseAddress, EchoPath, RawGrpc.Frame(new EchoRequest { Text = new string('x', 100) })));
        Assert.Equal("8", RawGrpc.Single(response.Headers, "grpc-status"));
        Assert.Equal("sending message larger than max (102 vs. 16)", RawGrpc.Single(response.Headers, "grpc-message"));
        Assert.Empty(response.Body);
    }

    [Fact]
    public async Task RequestMetadata_AsciiAndBinary_ReachHandler()
    {
        await using var server = await InteropServer.StartAsync();
        using var client = RawGrpc.CreateClient();
        var request = RawGrpc.Request(server.Server.BaseAddress, EchoPath, RawGrpc.Frame(new EchoRequest { Text = "m" }));
        request.Headers.TryAddWithoutValidation("x-role", "querycoord");
        request.Headers.TryAddWithoutValidation("x-token-bin", "AQID"); // base64 of 1,2,3
        var response = await RawGrpc.SendAsync(client, request);
        Assert.Equal("0", RawGrpc.Single(response.Trailers, "grpc-status"));
        var headers = server.LastEchoHeaders!;
        Assert.Equal("querycoord", headers.GetValue("x-role"));
        Assert.Equal([1, 2, 3], headers.Get("x-token-bin")!.ValueBytes);
        Assert.Null(headers.Get("te"));
        Assert.Null(headers.Get("content-type"));
    }

    [Fact]
    public async Task Start_PortZero_BindsAFreePortAndReportsIt()
    {
        await using var first = await InteropServer.StartAsync();
        await using var second = await InteropServer.StartAsync();
        Assert.InRange(first.Server.Port, 1, 65535);
        Assert.NotEqual(first.Server.Port, second.Server.Port);
        Assert.Equal($"127.0.0.1:{first.Server.Port}", first.Server.Address);
        Assert.Equal(new Uri($"http://127.0.0.1:{first.Server.Port}"), first.Server.BaseAddress);
    }

    [Fact]
    public async Task Stop_WhileHealthWatchOpen_WatchEndsWithUnavailable()
    {
        var server = await InteropServer.StartAsync();
        await using var _ = server;
        using var client = RawGrpc.CreateClient();
        var request = RawGrpc.Request(server.Server.BaseAddress, HealthServiceImpl.WatchMethod.FullName, RawGrpc.Frame(new HealthCheckRequest()));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStreamAsync();
        var first = new byte[7]; // 5-byte header + status field (tag, value)
        await body.ReadExactlyAsync(first);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, HealthCheckResponse.Parser.ParseFrom(first, 5, 2).Status);

        await server.Server.StopAsync();
        Assert.Equal(0, await body.ReadAsync(new byte[16]));
        Assert.Equal("14", RawGrpc.Single(response.TrailingHeaders, "grpc-status"));
        Assert.Equal("the server is shutting down", RawGrpc.Single(response.TrailingHeaders, "grpc-message"));
    }
}
