using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Connections.Nodes;

/// <summary>
/// Which roles each role's ConnectionManager follows. The proxy is the entry point: it calls the four
/// coordinators' primaries and the three worker node roles. Query, data and index nodes call nobody in this
/// runtime's workload, so they follow nothing: a watch they never use would only cost etcd load (a workload
/// that makes them call a coordinator adds the role here). Coordinators are S's business (Election/).
/// </summary>
public static class NodeDependencies
{
    /// <summary>The roles <paramref name="role"/> depends on, in the order they are added.</summary>
    public static IReadOnlyList<string> For(string role) => role switch
    {
        Roles.Proxy => [.. Roles.Coordinators, Roles.QueryNode, Roles.DataNode, Roles.IndexNode],
        _ => [],
    };
}
