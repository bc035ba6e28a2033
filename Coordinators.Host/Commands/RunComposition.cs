using Coordinators.Actors.Components;

namespace Coordinators.Host.Commands;

/// <summary>
/// Where <c>coordinators run</c> adds what a role needs beyond the standard stages (grpc-server, session, ready):
/// ConnectionManager dependencies at <see cref="ComponentStages.Dependencies"/>, the proxy's Proxy handler.
/// </summary>
internal static class RunComposition
{
    public static void Configure(ComponentRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
    }
}
