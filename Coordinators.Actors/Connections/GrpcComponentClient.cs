using System.Globalization;
using Coordinators.Actors.Components;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Connections.Internal;
using Coordinators.Actors.Transport;
using Grpc.Net.Client;
using Grpc.Core;

namespace Coordinators.Actors.Connections;

/// <summary>
/// A <see cref="IComponentClient"/> over gRPC to one process. Every call carries the target ServerID in
/// <c>server-id</c> metadata, so a different process that took over the address answers "node not match"
/// instead of serving the call. Calls made after <paramref name="lifetime"/> is cancelled, or in flight when
/// it is, fail at once with Unavailable "server N left: session deleted".
/// When <paramref name="ownsChannel"/> is true, disposing the client disposes the channel.
/// </summary>
public sealed class GrpcComponentClient(GrpcChannel channel, long serverId, bool ownsChannel = false, CancellationToken lifetime = default)
    : IComponentClient, IServiceInvoker, IDisposable
{
    // The server-id entry every call carries; read-only after construction.
    private readonly Metadata _serverIdHeaders = new() { { ComponentMethods.ServerIdHeader, serverId.ToString(CultureInfo.InvariantCulture) } };
    // The generated client over the channel; stateless, safe for concurrent calls.
    private readonly Component.ComponentClient _client = new(channel);

    /// <summary>The ServerID this client is bound to.</summary>
    public long ServerId => serverId;

    /// <summary>The channel calls go through.</summary>
    public GrpcChannel Channel => channel;

    /// <inheritdoc />
    public Task<ComponentStates> GetComponentStatesAsync(GetComponentStatesRequest request, CallOptions options = default) =>
        CallAsync(options, o => _client.GetComponentStatesAsync(request, o));

    /// <inheritdoc />
    public Task<PingResponse> PingAsync(PingRequest request, CallOptions options = default) => CallAsync(options, o => _client.PingAsync(request, o));

    /// <inheritdoc />
    public Task<WorkResponse> WorkAsync(WorkRequest request, CallOptions options = default) => CallAsync(options, o => _client.WorkAsync(request, o));

    /// <inheritdoc />
    public Task<ProxyResponse> ProxyAsync(ProxyRequest request, CallOptions options = default) => CallAsync(options, o => _client.ProxyAsync(request, o));

    /// <inheritdoc />
    public Task<T> CallAsync<T>(Func<CallInvoker, CallOptions, AsyncUnaryCall<T>> call, CallOptions options)
    {
        ArgumentNullException.ThrowIfNull(call);
        var invoker = channel.CreateCallInvoker();
        return CallAsync(options, o => call(invoker, o));
    }

    private Task<TResponse> CallAsync<TResponse>(CallOptions options, Func<CallOptions, AsyncUnaryCall<TResponse>> call) =>
        Lifetime.RunAsync(serverId, options.WithHeaders(WithServerId(options.Headers)), async o =>
        {
            using var pending = call(o);
            return await pending.ResponseAsync.ConfigureAwait(false);
        }, lifetime);

    /// <inheritdoc />
    public void Dispose()
    {
        if (ownsChannel)
        {
            channel.Dispose();
        }
    }

    private Metadata WithServerId(Metadata? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return _serverIdHeaders;
        }
        var merged = new Metadata();
        foreach (var e in headers)
        {
            if (e.Key == ComponentMethods.ServerIdHeader)
            {
                continue;
            }
            if (e.IsBinary)
            {
                merged.Add(e.Key, e.ValueBytes);
            }
            else
            {
                merged.Add(e.Key, e.Value);
            }
        }
        merged.Add(ComponentMethods.ServerIdHeader, serverId.ToString(CultureInfo.InvariantCulture));
        return merged;
    }
}
