using System.Threading.Channels;
using Coordinators.Actors.Grpc.Server;
using ServingStatus = Coordinators.Actors.Grpc.Health.HealthCheckResponse.Types.ServingStatus;

namespace Coordinators.Actors.Grpc.Health;

/// <summary>
/// The standard grpc.health.v1.Health service. Statuses are kept per service name; "" is the whole server and
/// starts as SERVING. Check answers NOT_FOUND for an unknown service; Watch sends the current status at once
/// (SERVICE_UNKNOWN for an unknown service) and then every change until the client cancels.
/// </summary>
public sealed class HealthServiceImpl
{
    /// <summary>The wire name of the service.</summary>
    public const string ServiceName = "grpc.health.v1.Health";

    /// <summary>Descriptor of Check, for clients and for mapping.</summary>
    public static readonly Method<HealthCheckRequest, HealthCheckResponse> CheckMethod =
        new(ServiceName, "Check", MethodType.Unary, HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    /// <summary>Descriptor of Watch, for clients and for mapping.</summary>
    public static readonly Method<HealthCheckRequest, HealthCheckResponse> WatchMethod =
        new(ServiceName, "Watch", MethodType.ServerStreaming, HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    // Guards _statuses, _watchers and _shutdown.
    private readonly Lock _lock = new();
    // Service name -> its status; a missing name is an unknown service.
    private readonly Dictionary<string, ServingStatus> _statuses = new(StringComparer.Ordinal) { [string.Empty] = ServingStatus.Serving };
    // Service name -> one channel per Watch call; each holds only the latest status not yet sent.
    private readonly Dictionary<string, List<Channel<ServingStatus>>> _watchers = new(StringComparer.Ordinal);
    // After EnterShutdown every service reads NOT_SERVING and later SetStatus calls are ignored.
    private bool _shutdown;

    /// <summary>Sets a service's status and tells its watchers when it changed.</summary>
    public void SetStatus(string service, ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_lock)
        {
            if (_shutdown)
            {
                return;
            }
            SetLocked(service, status);
        }
    }

    /// <summary>Forgets a service: Check answers NOT_FOUND, watchers see SERVICE_UNKNOWN.</summary>
    public void ClearStatus(string service)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_lock)
        {
            if (_statuses.Remove(service))
            {
                Notify(service, ServingStatus.ServiceUnknown);
            }
        }
    }

    /// <summary>Marks every known service NOT_SERVING for good, as a server about to stop should.</summary>
    public void EnterShutdown()
    {
        lock (_lock)
        {
            _shutdown = true;
            foreach (var service in _statuses.Keys.ToList())
            {
                SetLocked(service, ServingStatus.NotServing);
            }
        }
    }

    /// <summary>The status of a service, or null when it is unknown.</summary>
    public ServingStatus? GetStatus(string service)
    {
        lock (_lock)
        {
            return _statuses.TryGetValue(service, out var status) ? status : null;
        }
    }

    /// <summary>The Check handler.</summary>
    public Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        var status = GetStatus(request.Service) ?? throw new RpcException(StatusCode.NotFound, $"unknown service {request.Service}");
        return Task.FromResult(new HealthCheckResponse { Status = status });
    }

    /// <summary>The Watch handler: runs until the client cancels or the server stops.</summary>
    public async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        var service = request.Service;
        var channel = Channel.CreateBounded<ServingStatus>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_lock)
        {
            channel.Writer.TryWrite(_statuses.TryGetValue(service, out var current) ? current : ServingStatus.ServiceUnknown);
            if (!_watchers.TryGetValue(service, out var list))
            {
                _watchers[service] = list = [];
            }
            list.Add(channel);
        }
        try
        {
            var token = context.CancellationToken;
            while (await channel.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var status))
                {
                    await responseStream.WriteAsync(new HealthCheckResponse { Status = status }, token).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                if (_watchers.TryGetValue(service, out var list) && list.Remove(channel) && list.Count == 0)
                {
                    _watchers.Remove(service);
                }
            }
        }
    }

    /// <summary>Number of Watch calls in progress for a service (tests wait on it).</summary>
    internal int WatcherCount(string service)
    {
        lock (_lock)
        {
            return _watchers.TryGetValue(service, out var list) ? list.Count : 0;
        }
    }

    private void SetLocked(string service, ServingStatus status)
    {
        if (_statuses.TryGetValue(service, out var old) && old == status)
        {
            return;
        }
        _statuses[service] = status;
        Notify(service, status);
    }

    private void Notify(string service, ServingStatus status)
    {
        // Written under the lock so watchers see changes in order. TryWrite never blocks on a DropOldest
        // channel and runs no reader continuation inline (synchronous continuations are off), so this is cheap.
        if (_watchers.TryGetValue(service, out var list))
        {
            foreach (var channel in list)
            {
                channel.Writer.TryWrite(status);
            }
        }
    }
}
