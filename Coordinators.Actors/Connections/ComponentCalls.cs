using Coordinators.Actors.Grpc;

namespace Coordinators.Actors.Connections;

/// <summary>
/// What a client must recognise in the component service's answers (the descriptors and the <c>server-id</c>
/// header live in <see cref="Components.ComponentMethods"/>).
/// </summary>
public static class ComponentCalls
{
    /// <summary>Start of the FailedPrecondition detail a server answers when <c>server-id</c> names another process.</summary>
    public const string NodeNotMatch = "node not match";

    /// <summary>True when <paramref name="e"/> is a server's rejection of a call meant for another ServerID.</summary>
    public static bool IsNodeNotMatch(RpcException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.StatusCode == StatusCode.FailedPrecondition && e.Status.Detail.Contains(NodeNotMatch, StringComparison.Ordinal);
    }
}
