using Coordinators.Actors.Transport;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Connections;

/// <summary>
/// Makes the client a ClientActor uses for a discovered session. The gRPC factory dials the session's
/// address; standalone mode uses <see cref="InProcessComponentClientFactory"/>. A client that is
/// <see cref="IDisposable"/> is disposed when its ClientActor stops.
/// </summary>
public interface IComponentClientFactory
{
    /// <summary>A client bound to <paramref name="session"/>'s ServerID whose calls end when <paramref name="lifetime"/> is cancelled.</summary>
    IComponentClient Create(SessionInfo session, CancellationToken lifetime);
}

/// <summary>Dials sessions over gRPC (HTTP/2), one channel per client on a shared connection pool.</summary>
public sealed class GrpcComponentClientFactory : IComponentClientFactory, IDisposable
{
    // Shared by every channel this factory makes: one connection pool per address.
    private readonly SocketsHttpHandler _handler;
    private readonly ChannelSettings _settings;

    /// <summary>Creates the factory; <paramref name="settings"/> configure the shared handler (connect timeout, keep-alive, TLS).</summary>
    public GrpcComponentClientFactory(ChannelSettings? settings = null)
    {
        _settings = settings ?? new ChannelSettings();
        _handler = _settings.CreateHandler();
    }

    /// <inheritdoc />
    public IComponentClient Create(SessionInfo session, CancellationToken lifetime)
    {
        return new GrpcComponentClient(_settings.CreateChannel(session.Address, _handler), session.ServerId, ownsChannel: true, lifetime);
    }

    /// <inheritdoc />
    public void Dispose() => _handler.Dispose();
}

/// <summary>
/// Standalone mode: sessions of services living in this process are called directly; any other session
/// (a process outside) falls back to <paramref name="fallback"/> (gRPC). Which one is decided per call
/// (<see cref="LocalFirstComponentClient"/>).
/// </summary>
public sealed class InProcessComponentClientFactory(LocalComponentDirectory directory, IComponentClientFactory fallback, TimeProvider? timeProvider = null)
    : IComponentClientFactory
{
    /// <inheritdoc />
    public IComponentClient Create(SessionInfo session, CancellationToken lifetime) =>
        new LocalFirstComponentClient(directory, session, fallback, timeProvider, lifetime);
}
