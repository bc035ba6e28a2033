using System.Text.Json;
using Coordinators.Tests.Fixtures;
using ServingStatus = Coordinators.Actors.Grpc.Health.HealthCheckResponse.Types.ServingStatus;

namespace Coordinators.Tests.Grpc;

/// <summary>Our server called by @grpc/grpc-js, a real and independent gRPC implementation, in a node process.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class GrpcServerInteropTests
{
    private static string[] Texts(JsonElement result, string field) =>
        [.. result.GetProperty("responses").EnumerateArray().Select(r => r.GetProperty(field).ToString())];

    private static void AssertCode(int expected, JsonElement result) =>
        Assert.True(result.GetProperty("code").GetInt32() == expected, $"expected code {expected}, got {result}");

    [Fact]
    public async Task Unary_GrpcJsCall_GetsReplyOkAndTrailer()
    {
        await using var server = await InteropServer.StartAsync();
        var result = await NodeInterop.RunAsync(server.Address, "unary");
        AssertCode(0, result);
        Assert.Equal(["hello"], Texts(result, "text"));
        Assert.Equal("r-42", result.GetProperty("trailers").GetProperty("x-echo-request-id").GetString());
        Assert.Equal("r-42", server.LastEchoHeaders!.GetValue("x-request-id"));
    }

    [Fact]
    public async Task ServerStreaming_GrpcJsCall_GetsFiveMessagesThenOk()
    {
        await using var server = await InteropServer.StartAsync();
        var result = await NodeInterop.RunAsync(server.Address, "server-stream");
        AssertCode(0, result);
        Assert.Equal(["1", "2", "3", "4", "5"], Texts(result, "value"));
        Assert.Equal("5", result.GetProperty("metadata").GetProperty("x-count").GetString());
    }

    [Fact]
    public async Task Duplex_GrpcJsPingPong_EachMessageAnsweredWhileStreamOpen()
    {
        await using var server = await InteropServer.StartAsync();
        var result = await NodeInterop.RunAsync(server.Address, "duplex");
        AssertCode(0, result);
        Assert.Equal(["echo: alpha", "echo: beta", "echo: gamma"], Texts(result, "text"));
    }

    [Fact]
    public async Task Error_NonAsciiMessage_GrpcJsSeesExactCodeAndMessage()
    {
        await using var server = await InteropServer.StartAsync();
        var result = await NodeInterop.RunAsync(server.Address, "error");
        AssertCode(9, result);
        Assert.Equal("überlastet: 東京 %", result.GetProperty("details").GetString());
    }

    [Fact]
    public async Task Deadline_GrpcJsTimeout_DeadlineExceededAndHandlerCancelled()
    {
        await using var server = await InteropServer.StartAsync();
        var before = DateTime.UtcNow;
        var result = await NodeInterop.RunAsync(server.Address, "deadline");
        AssertCode(4, result);
        Assert.True(server.LastSlowDeadline != default, $"the Slow call never reached the server: {result}");
        await server.SlowCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.InRange(server.LastSlowDeadline, before, before.AddSeconds(30));
    }

    [Fact]
    public async Task UnknownMethod_OfKnownService_Unimplemented()
    {
        await using var server = await InteropServer.StartAsync();
        var result = await NodeInterop.RunAsync(server.Address, "unknown-method");
        AssertCode(12, result);
        Assert.Equal("unknown method Nope for service coordinators.interop.Interop", result.GetProperty("details").GetString());
    }

    [Fact]
    public async Task UnknownService_Unimplemented()
    {
        await using var server = await InteropServer.StartAsync();
        var result = await NodeInterop.RunAsync(server.Address, "unknown-service");
        AssertCode(12, result);
        Assert.Equal("unknown service coordinators.interop.Nowhere", result.GetProperty("details").GetString());
    }

    [Fact]
    public async Task Interceptor_WrongServerId_PermissionDeniedNodeNotMatch()
    {
        await using var server = await InteropServer.StartAsync();
        var result = await NodeInterop.RunAsync(server.Address, "reject");
        AssertCode(7, result);
        Assert.Equal("node not match: expected ServerID 1, got 999", result.GetProperty("details").GetString());
        Assert.Null(server.LastEchoHeaders);
    }

    [Fact]
    public async Task RequestOverReceiveLimit_ResourceExhausted()
    {
        await using var server = await InteropServer.StartAsync(b => b.ConfigureOptions(o => o.MaxReceiveMessageSize = 1024));
        var result = await NodeInterop.RunAsync(server.Address, "too-large");
        AssertCode(8, result);
        Assert.Equal("received message larger than max (4099 vs. 1024)", result.GetProperty("details").GetString());
    }

    [Fact]
    public async Task HealthCheck_Server_Serving()
    {
        await using var server = await InteropServer.StartAsync();
        var result = await NodeInterop.RunAsync(server.Address, "health-check");
        AssertCode(0, result);
        Assert.Equal(["SERVING"], Texts(result, "status"));
    }

    [Fact]
    public async Task HealthCheck_UnknownService_NotFound()
    {
        await using var server = await InteropServer.StartAsync();
        var result = await NodeInterop.RunAsync(server.Address, "health-unknown");
        AssertCode(5, result);
        Assert.Equal("unknown service no.such.Service", result.GetProperty("details").GetString());
    }

    [Fact]
    public async Task HealthWatch_StatusChanges_StreamedToGrpcJs()
    {
        await using var server = await InteropServer.StartAsync();
        server.Health.SetStatus(InteropMethods.Service, ServingStatus.Serving);
        var result = await NodeInterop.RunAsync(server.Address, "health-watch", async e =>
        {
            // The first status arrived, so the watch is registered: change it now.
            if (e.GetProperty("response").GetProperty("status").GetString() == "SERVING")
            {
                server.Health.SetStatus(InteropMethods.Service, ServingStatus.NotServing);
            }
            await Task.CompletedTask;
        });
        AssertCode(1, result);
        Assert.Equal(["SERVING", "NOT_SERVING"], Texts(result, "status"));
    }

    [Fact]
    public async Task Tls_GrpcJsWithCaFile_UnaryOk()
    {
        using var certificate = TestCertificates.CreateServerCertificate();
        var caFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(caFile, certificate.ExportCertificatePem());
            await using var server = await InteropServer.StartAsync(b => b.UseTls(certificate));
            Assert.Equal("https", server.Server.BaseAddress.Scheme);
            var result = await NodeInterop.RunAsync(server.Address, "unary", null, "--ca", caFile);
            AssertCode(0, result);
            Assert.Equal(["hello"], Texts(result, "text"));
        }
        finally
        {
            File.Delete(caFile);
        }
    }
}
