using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coordinators.Actors.Grpc.Server.Internal;

/// <summary>
/// Per-server state every endpoint shares: options (frozen at start-up), the logger, the stopping signal
/// and the set of mapped services (for grpc-go style "unknown method ... for service ..." answers).
/// </summary>
internal sealed class GrpcServiceRegistry
{
    // Service name -> present; written while endpoints are mapped, read by the fallback endpoint.
    private readonly ConcurrentDictionary<string, byte> _services = new(StringComparer.Ordinal);

    public GrpcServiceRegistry(GrpcServerOptions options, ILoggerFactory? loggerFactory, IHostApplicationLifetime? lifetime)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxReceiveMessageSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxSendMessageSize);
        MaxReceiveMessageSize = options.MaxReceiveMessageSize;
        MaxSendMessageSize = options.MaxSendMessageSize;
        Interceptors = [.. options.Interceptors];
        TimeProvider = options.TimeProvider;
        Logger = loggerFactory?.CreateLogger("Coordinators.Actors.Grpc.Server") ?? NullLogger.Instance;
        // ApplicationStopping fires before Kestrel stops, so streaming calls can end with Unavailable
        // instead of holding the graceful shutdown open until its timeout.
        Stopping = lifetime?.ApplicationStopping ?? CancellationToken.None;
    }

    public int MaxReceiveMessageSize { get; }

    public int MaxSendMessageSize { get; }

    /// <summary>A copy taken at start-up: an array iterates without an enumerator allocation per call.</summary>
    public ServerCallInterceptor[] Interceptors { get; }

    public TimeProvider TimeProvider { get; }

    public ILogger Logger { get; }

    public CancellationToken Stopping { get; }

    public void AddService(string serviceName) => _services.TryAdd(serviceName, 0);

    public bool HasService(string serviceName) => _services.ContainsKey(serviceName);
}
