using Microsoft.AspNetCore.Http;

namespace Coordinators.Actors.Grpc.Server.Internal;

/// <summary>Answers paths no method is mapped to with Unimplemented, worded as grpc-go words it.</summary>
internal static class UnimplementedEndpoint
{
    public static Task HandleAsync(HttpContext http, GrpcServiceRegistry registry)
    {
        if (ServerResponses.ValidateRequest(http, registry))
        {
            WriteUnimplemented(http, registry);
        }
        return Task.CompletedTask;
    }

    public static void WriteUnimplemented(HttpContext http, GrpcServiceRegistry registry)
    {
        var path = http.Request.Path.Value;
        string detail;
        if (!ServerResponses.TrySplitPath(path, out var service, out var method))
        {
            detail = $"malformed method name: \"{path}\"";
        }
        else if (registry.HasService(service))
        {
            detail = $"unknown method {method} for service {service}";
        }
        else
        {
            detail = $"unknown service {service}";
        }
        GrpcServerLog.CallFailed(registry.Logger, path ?? string.Empty, StatusCode.Unimplemented, detail);
        http.Response.ContentType = GrpcProtocol.ContentType;
        ServerResponses.WriteStatus(http.Response, new Status(StatusCode.Unimplemented, detail), null);
    }
}
