using System.Collections.Concurrent;
using Coordinators.Actors.Components;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Transport;
using Grpc.Core;
using Grpc.Net.Client;

namespace Coordinators.Host.Demo;

/// <summary>
/// Plain gRPC channels from the demo to its children, one per address, for the state sampler and the
/// workload. The demo observes the cluster from outside, so it does not go through a ConnectionManager.
/// </summary>
internal sealed class ComponentCalls : IDisposable
{
    // One shared handler: one connection pool for every child address.
    private readonly SocketsHttpHandler _handler;
    private readonly ChannelSettings _settings = new() { ConnectTimeout = TimeSpan.FromMilliseconds(500) };
    // One channel and generated client per child address, made on first use.
    private readonly ConcurrentDictionary<string, (GrpcChannel Channel, Component.ComponentClient Client)> _clients = new(StringComparer.Ordinal);

    public ComponentCalls() => _handler = _settings.CreateHandler();

    /// <summary>The client of a child's host:port.</summary>
    public Component.ComponentClient Client(string address) =>
        _clients.GetOrAdd(address, a =>
        {
            var channel = _settings.CreateChannel(a, _handler);
            return (channel, new Component.ComponentClient(channel));
        }).Client;

    /// <summary>The channel to a child's host:port, for its other services (the proxy's duty forwarders).</summary>
    public GrpcChannel Channel(string address)
    {
        Client(address);
        return _clients[address].Channel;
    }

    /// <summary>
    /// Asks one process for its state; a restarted process on the same address refuses ("node not match").
    /// <paramref name="serverId"/> 0 names no ServerID: whoever listens on the address answers.
    /// </summary>
    public async Task<ComponentStates> StatesAsync(string address, long serverId, TimeSpan timeout, CancellationToken cancellationToken) =>
        await Client(address).GetComponentStatesAsync(new GetComponentStatesRequest(),
            new CallOptions(serverId == 0 ? null : ComponentMethods.ForServer(serverId), DateTime.UtcNow + timeout, cancellationToken)).ConfigureAwait(false);

    public void Dispose()
    {
        foreach (var (channel, _) in _clients.Values)
        {
            channel.Dispose();
        }
        _handler.Dispose();
    }
}
