using System.Collections.Concurrent;
using Coordinators.Actors.Components;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Grpc;

namespace Coordinators.Host.Demo;

/// <summary>
/// Plain gRPC channels from the demo to its children, one per address, for the state sampler and the
/// workload. The demo observes the cluster from outside, so it does not go through a ConnectionManager.
/// </summary>
internal sealed class ComponentCalls : IDisposable
{
    // One shared handler: one connection pool for every child address.
    private readonly SocketsHttpHandler _handler;
    private readonly GrpcChannelOptions _options;
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);

    public ComponentCalls()
    {
        var options = new GrpcChannelOptions { ConnectTimeout = TimeSpan.FromMilliseconds(500) };
        _handler = options.CreateHandler();
        _options = options with { HttpHandler = _handler };
    }

    /// <summary>The channel to a child's host:port.</summary>
    public GrpcChannel Channel(string address) =>
        _channels.GetOrAdd(address, a => GrpcChannel.ForAddress(a.Contains("://", StringComparison.Ordinal) ? a : "http://" + a, _options));

    /// <summary>Asks one process for its state; a restarted process on the same address refuses ("node not match").</summary>
    public Task<ComponentStates> StatesAsync(string address, long serverId, TimeSpan timeout, CancellationToken cancellationToken) =>
        Channel(address).UnaryAsync(ComponentMethods.GetComponentStates, new GetComponentStatesRequest(),
            new CallOptions(ComponentMethods.ForServer(serverId), DateTime.UtcNow + timeout, cancellationToken));

    public void Dispose()
    {
        foreach (var c in _channels.Values)
        {
            c.Dispose();
        }
        _handler.Dispose();
    }
}
