using Coordinators.Actors.Grpc.Server.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Grpc.Server;

/// <summary>Registers the gRPC server services in an ASP.NET Core application.</summary>
public static class GrpcServiceCollectionExtensions
{
    /// <summary>
    /// Adds what the <c>MapGrpc*</c> endpoint methods need, with options shared by every endpoint. The options are
    /// read once, when the first endpoint is mapped. Remember Kestrel must listen with HttpProtocols.Http2 (without
    /// TLS, allowing HTTP/1.1 too makes Kestrel speak HTTP/1.1 and gRPC clients fail).
    /// </summary>
    public static IServiceCollection AddGrpcServer(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        var options = new GrpcServerOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton(sp => new GrpcServiceRegistry(
            sp.GetRequiredService<GrpcServerOptions>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetService<IHostApplicationLifetime>()));
        return services;
    }
}
