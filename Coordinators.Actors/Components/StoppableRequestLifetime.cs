using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Coordinators.Actors.Components;

/// <summary>
/// The request-lifetime feature Kestrel gave, with a RequestAborted that also fires when the server begins to stop.
/// Grpc.AspNetCore builds each call's cancellation token from RequestAborted, so handlers (and health watches)
/// end at once while the response can still carry a status.
/// </summary>
internal sealed class StoppableRequestLifetime : IHttpRequestLifetimeFeature, IDisposable
{
    private readonly IHttpRequestLifetimeFeature _inner;
    private readonly CancellationTokenSource _linked;

    private StoppableRequestLifetime(IHttpRequestLifetimeFeature inner, CancellationToken stopping)
    {
        _inner = inner;
        _linked = CancellationTokenSource.CreateLinkedTokenSource(inner.RequestAborted, stopping);
    }

    public CancellationToken RequestAborted
    {
        get => _linked.Token;
        set => throw new NotSupportedException("a component's request lifetime is tied to its server");
    }

    public void Abort() => _inner.Abort();

    public void Dispose() => _linked.Dispose();

    /// <summary>Installs the feature on <paramref name="context"/> for the rest of its request.</summary>
    public static void Install(HttpContext context, CancellationToken stopping)
    {
        var inner = context.Features.Get<IHttpRequestLifetimeFeature>()
            ?? throw new InvalidOperationException("Kestrel gave the request no IHttpRequestLifetimeFeature");
        var feature = new StoppableRequestLifetime(inner, stopping);
        context.Features.Set<IHttpRequestLifetimeFeature>(feature);
        context.Response.RegisterForDispose(feature);
    }
}
