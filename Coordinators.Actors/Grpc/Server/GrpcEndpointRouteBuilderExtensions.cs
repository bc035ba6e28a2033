using Coordinators.Actors.Grpc.Server.Internal;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Coordinators.Actors.Grpc.Server;

/// <summary>
/// Maps gRPC methods onto ASP.NET Core endpoints (after <see cref="GrpcServiceCollectionExtensions.AddGrpcServer"/>).
/// </summary>
public static class GrpcEndpointRouteBuilderExtensions
{
    /// <summary>Maps a unary method.</summary>
    public static IEndpointConventionBuilder MapGrpcUnary<TRequest, TResponse>(
        this IEndpointRouteBuilder endpoints, Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Map(endpoints, method, MethodType.Unary, handler);

    /// <summary>Maps a server-streaming method.</summary>
    public static IEndpointConventionBuilder MapGrpcServerStreaming<TRequest, TResponse>(
        this IEndpointRouteBuilder endpoints, Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Map(endpoints, method, MethodType.ServerStreaming, handler);

    /// <summary>Maps a duplex-streaming method.</summary>
    public static IEndpointConventionBuilder MapGrpcDuplex<TRequest, TResponse>(
        this IEndpointRouteBuilder endpoints, Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Map(endpoints, method, MethodType.DuplexStreaming, handler);

    /// <summary>
    /// Answers every path no other endpoint takes with gRPC's Unimplemented ("unknown service X" or
    /// "unknown method M for service X"). <see cref="GrpcServer"/> maps it by itself.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcUnimplemented(this IEndpointRouteBuilder endpoints)
    {
        var registry = GetRegistry(endpoints);
        return endpoints.MapFallback("{**path}", http => UnimplementedEndpoint.HandleAsync(http, registry));
    }

    private static IEndpointConventionBuilder Map<TRequest, TResponse>(
        IEndpointRouteBuilder endpoints, Method<TRequest, TResponse> method, MethodType expected, Delegate handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        if (method.Type != expected)
        {
            throw new ArgumentException($"{method.FullName} is a {method.Type} method, not {expected}", nameof(method));
        }
        var registry = GetRegistry(endpoints);
        registry.AddService(method.ServiceName);
        var callHandler = new ServerCallHandler<TRequest, TResponse>(method, registry, handler);
        // Any HTTP method reaches the handler so that non-POST requests get gRPC's 405 answer, not a bare 404.
        return endpoints.Map(method.FullName, callHandler.HandleAsync).WithDisplayName("gRPC " + method.FullName);
    }

    private static GrpcServiceRegistry GetRegistry(IEndpointRouteBuilder endpoints) =>
        endpoints.ServiceProvider.GetService<GrpcServiceRegistry>()
        ?? throw new InvalidOperationException("call services.AddGrpcServer() before mapping gRPC endpoints");
}
