using Coordinators.Actors.Grpc.Server;
using Microsoft.AspNetCore.Routing;

namespace Coordinators.Actors.Grpc.Health;

/// <summary>Maps the grpc.health.v1.Health service.</summary>
public static class HealthEndpointRouteBuilderExtensions
{
    /// <summary>Serves Check and Watch from this health service.</summary>
    public static IEndpointRouteBuilder MapGrpcHealthService(this IEndpointRouteBuilder endpoints, HealthServiceImpl health)
    {
        ArgumentNullException.ThrowIfNull(health);
        endpoints.MapGrpcUnary(HealthServiceImpl.CheckMethod, health.Check);
        endpoints.MapGrpcServerStreaming(HealthServiceImpl.WatchMethod, health.Watch);
        return endpoints;
    }

    /// <summary>Serves Check and Watch from this health service.</summary>
    public static GrpcServerBuilder MapGrpcHealthService(this GrpcServerBuilder builder, HealthServiceImpl health)
    {
        ArgumentNullException.ThrowIfNull(health);
        return builder.MapEndpoints(e => e.MapGrpcHealthService(health));
    }
}
