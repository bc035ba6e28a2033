using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Grpc.Server.Internal;

/// <summary>Log messages of the gRPC server; event ids 4100-4199 are reserved for it.</summary>
internal static partial class GrpcServerLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Error, Message = "gRPC handler for {Method} threw; the client gets Internal")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "gRPC call {Method} was cancelled by the client")]
    public static partial void CallCancelled(ILogger logger, string method);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "gRPC call {Method} exceeded its deadline")]
    public static partial void DeadlineExceeded(ILogger logger, string method);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "gRPC server listening on {Address}")]
    public static partial void Listening(ILogger logger, string address);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Debug, Message = "gRPC call {Method} ended with {StatusCode}: {Detail}")]
    public static partial void CallFailed(ILogger logger, string method, StatusCode statusCode, string detail);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Debug, Message = "gRPC request {HttpMethod} {Path} rejected with HTTP {HttpStatus}: {Detail}")]
    public static partial void RequestRejected(ILogger logger, string httpMethod, string path, int httpStatus, string detail);
}
