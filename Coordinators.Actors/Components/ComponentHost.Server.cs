using Coordinators.Actors.Components.Proto;
using Grpc.Core;

namespace Coordinators.Actors.Components;

/// <summary>The component's gRPC server stage: the coordinators.Component service, health and the call interceptor.</summary>
public sealed partial class ComponentHost
{
    /// <summary>
    /// Handles <c>Proxy</c> calls (the proxy role's demo workload; the ConnectionManager helper sets it before
    /// start). Null answers Unimplemented. Called only for a Healthy component whose ServerID matched.
    /// </summary>
    public UnaryServerMethod<ProxyRequest, ProxyResponse>? ProxyHandler { get; set; }

    // Further gRPC services of the role (its duties), behind the same interceptor; frozen once the server started.
    private readonly List<(Action<Microsoft.Extensions.DependencyInjection.IServiceCollection> Register, Action<Microsoft.AspNetCore.Routing.IEndpointRouteBuilder> Map)> _grpcServices = [];

    /// <summary>The services added with <see cref="AddGrpcService{TService}"/>.</summary>
    internal IReadOnlyList<(Action<Microsoft.Extensions.DependencyInjection.IServiceCollection> Register, Action<Microsoft.AspNetCore.Routing.IEndpointRouteBuilder> Map)> GrpcServices => _grpcServices;

    /// <summary>
    /// Serves <paramref name="service"/> (a generated gRPC base class's implementation) on the component's port beside
    /// coordinators.Component, behind the same interceptor (ServerID, state and lease guard checks). Call before start.
    /// </summary>
    public ComponentHost AddGrpcService<TService>(TService service) where TService : class
    {
        ArgumentNullException.ThrowIfNull(service);
        if (Server is not null)
        {
            throw new InvalidOperationException($"{typeof(TService).Name} added after the gRPC server of {Role} started");
        }
        _grpcServices.Add((s => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(s, service),
            e => Microsoft.AspNetCore.Builder.GrpcEndpointRouteBuilderExtensions.MapGrpcService<TService>(e)));
        return this;
    }

    /// <summary>The gRPC server once the GrpcServer stage started; null before.</summary>
    public ComponentServer? Server { get; private set; }

    /// <summary>"host:port" of the process's HTTP endpoint once it started (published in the session), else null.</summary>
    public string? HttpAddress { get; set; }

    /// <summary>The address the component listens on ("host:port"); empty before the server started.</summary>
    public string Address => Snapshot.Address;

    /// <summary>
    /// Adds the <see cref="ComponentStages.GrpcServer"/> stage: a Grpc.AspNetCore server on <paramref name="listen"/>
    /// ("host:port", port 0 picks a free one) serving coordinators.Component and grpc.health.v1.Health, with the
    /// interceptor that checks the target ServerID and the component's state on every call.
    /// </summary>
    public ComponentHost UseGrpcServer(string listen)
    {
        var (host, port) = ParseListen(listen);
        return AddStage("grpc-server", ComponentStages.GrpcServer,
            async ct =>
            {
                var server = ComponentServer.Create(this, host, port, Health);
                try
                {
                    await server.StartAsync(host, ct).ConfigureAwait(false);
                }
                catch
                {
                    await server.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
                Server = server;
                SetAddress(server.Address);
            },
            async ct =>
            {
                if (Server is { } server)
                {
                    await server.DisposeAsync().ConfigureAwait(false);
                }
            });
    }

    /// <summary>Splits "host:port" ("[::1]:0" for IPv6); throws an ArgumentException naming the value.</summary>
    public static (string Host, int Port) ParseListen(string listen)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(listen);
        var colon = listen.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(listen.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new ArgumentException($"listen address '{listen}' is not host:port", nameof(listen));
        }
        var host = listen[..colon].Trim('[', ']');
        if (host is not ("" or "*" or "localhost") && !System.Net.IPAddress.TryParse(host, out _))
        {
            throw new ArgumentException($"listen address '{listen}': '{host}' is not an IP address, localhost or *", nameof(listen));
        }
        return (host, port);
    }
}
