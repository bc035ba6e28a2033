using System.Net;
using System.Net.Sockets;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Transport;

namespace Coordinators.Tests.Transport;

/// <summary>The channels we build on Grpc.Net.Client: a call connects when it is made, and a refusal counts as not sent.</summary>
public sealed class ChannelSettingsTests
{
    [Fact]
    public async Task Call_PortRefusedThenListening_RefusalsNotSentAndTheNextCallConnectsItself()
    {
        var settings = new ChannelSettings();
        using var handler = settings.CreateHandler();
        var port = LoopbackPorts();
        using var channel = settings.CreateChannel($"127.0.0.1:{port}", handler);
        var client = new Component.ComponentClient(channel);
        for (var i = 0; i < 3; i++)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => client.PingAsync(new PingRequest()).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
            Assert.True(RpcErrors.WasNotSent(refused), refused.ToString());
        }

        // A peer now listens (it never answers HTTP/2). Grpc.Net.Client's own subchannels would keep failing calls at
        // once during a reconnect backoff; ours connects for the call, so the call waits for its deadline instead.
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        var accepted = listener.AcceptSocketAsync();
        var late = await Assert.ThrowsAsync<RpcException>(() =>
            client.PingAsync(new PingRequest(), deadline: DateTime.UtcNow.AddSeconds(2)).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, late.StatusCode);
        using var socket = await accepted.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(socket.Connected);
    }

    [Fact]
    public void CreateChannel_PlaintextWithTlsSettings_RefusedNamingTheAddress()
    {
        var settings = new ChannelSettings { CaFile = "/tmp/ca.pem" };
        var e = Assert.Throws<ArgumentException>(() => settings.CreateChannel("http://127.0.0.1:2379"));
        Assert.StartsWith("'http://127.0.0.1:2379' is plaintext http:// but TLS settings", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateHandler_PingsMoreOftenThanEtcdAllows_Refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ChannelSettings { KeepAlivePingDelay = TimeSpan.FromSeconds(1) }.CreateHandler());
        Assert.Equal("KeepAlivePingDelay", e.ParamName);
    }

    private static int LoopbackPorts()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
