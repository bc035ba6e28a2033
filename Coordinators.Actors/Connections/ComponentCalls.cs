using Coordinators.Actors.Components;
using Grpc.Core;

namespace Coordinators.Actors.Connections;

/// <summary>
/// What a client must recognise in the component service's answers (the names and the typed errors live in
/// <see cref="ComponentMethods"/>). Errors are recognised by their trailer, never by their message text.
/// </summary>
public static class ComponentCalls
{
    /// <summary>True when <paramref name="e"/> is a server's rejection of a call meant for another ServerID.</summary>
    public static bool IsNodeNotMatch(RpcException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.StatusCode == StatusCode.FailedPrecondition
            && e.Trailers.GetValue(ComponentMethods.ErrorTrailer) == ComponentMethods.NodeNotMatchCode;
    }
}
