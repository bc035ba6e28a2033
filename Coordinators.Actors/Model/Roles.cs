namespace Coordinators.Actors.Model;

/// <summary>The role names of a Milvus-shaped cluster and which of them elect a primary.</summary>
public static class Roles
{
    /// <summary>Root coordinator.</summary>
    public const string RootCoord = "rootcoord";
    /// <summary>Data coordinator.</summary>
    public const string DataCoord = "datacoord";
    /// <summary>Query coordinator.</summary>
    public const string QueryCoord = "querycoord";
    /// <summary>Index coordinator.</summary>
    public const string IndexCoord = "indexcoord";
    /// <summary>Proxy node: the entry point clients call.</summary>
    public const string Proxy = "proxy";
    /// <summary>Query node.</summary>
    public const string QueryNode = "querynode";
    /// <summary>Data node.</summary>
    public const string DataNode = "datanode";
    /// <summary>Index node.</summary>
    public const string IndexNode = "indexnode";

    /// <summary>Roles that run one primary and any number of standbys (MEP 30).</summary>
    public static readonly IReadOnlyList<string> Coordinators = [RootCoord, DataCoord, QueryCoord, IndexCoord];

    /// <summary>Roles where every process serves (no election).</summary>
    public static readonly IReadOnlyList<string> Nodes = [Proxy, QueryNode, DataNode, IndexNode];

    /// <summary>Every known role.</summary>
    public static readonly IReadOnlyList<string> All = [.. Coordinators, .. Nodes];

    /// <summary>True for the four coordinator roles.</summary>
    public static bool IsCoordinator(string role) => Coordinators.Contains(role, StringComparer.Ordinal);

    /// <summary>Throws an ArgumentException naming the bad role and the known ones.</summary>
    public static string Validate(string role, string source)
    {
        if (!All.Contains(role, StringComparer.Ordinal))
        {
            throw new ArgumentException($"unknown role '{role}' ({source}); known roles: {string.Join(", ", All)}");
        }
        return role;
    }
}
