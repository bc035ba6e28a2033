using System.Text.Json;
using System.Text.Json.Serialization;

namespace Coordinators.Actors.Model;

/// <summary>
/// A process's session as stored in etcd (JSON). The active key of a coordinator adds
/// <see cref="Term"/>. Unknown fields are ignored; a malformed value is reported by
/// <see cref="TryParse"/> so readers can skip it with a warning.
/// </summary>
public sealed record SessionInfo
{
    /// <summary>The process's ServerID, unique in the cluster and never reused.</summary>
    [JsonPropertyName("serverId")] public long ServerId { get; init; }

    /// <summary>The role it runs, e.g. "rootcoord".</summary>
    [JsonPropertyName("role")] public string Role { get; init; } = string.Empty;

    /// <summary>host:port of its gRPC server.</summary>
    [JsonPropertyName("address")] public string Address { get; init; } = string.Empty;

    /// <summary>host:port of its HTTP endpoint (/healthz, /readyz, /metrics) when it serves one, else null.</summary>
    [JsonPropertyName("http")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Http { get; init; }

    /// <summary>Machine name.</summary>
    [JsonPropertyName("hostName")] public string HostName { get; init; } = string.Empty;

    /// <summary>Operating-system process id.</summary>
    [JsonPropertyName("pid")] public int Pid { get; init; }

    /// <summary>Process id of the crash guard the process runs under (<c>--crash-guard</c>); 0 (omitted) when unguarded.</summary>
    [JsonPropertyName("guardPid")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int GuardPid { get; init; }

    /// <summary>Version of the coordinators runtime.</summary>
    [JsonPropertyName("version")] public string Version { get; init; } = string.Empty;

    /// <summary>The etcd lease the key is attached to.</summary>
    [JsonPropertyName("leaseId")] public long LeaseId { get; init; }

    /// <summary>When the session was created (UTC).</summary>
    [JsonPropertyName("startedAt")] public DateTimeOffset StartedAt { get; init; }

    /// <summary>Election term (active key only): the candidate key's CreateRevision.</summary>
    [JsonPropertyName("term")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Term { get; init; }

    /// <summary>When the primary published (active key only, UTC).</summary>
    [JsonPropertyName("since")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? Since { get; init; }

    /// <summary>Serialises to compact JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, SessionJsonContext.Default.SessionInfo);

    /// <summary>Parses session JSON; returns false with a reason when it is malformed or lacks serverId/role/address.</summary>
    public static bool TryParse(string json, out SessionInfo? session, out string error)
    {
        session = null;
        try
        {
            session = JsonSerializer.Deserialize(json, SessionJsonContext.Default.SessionInfo);
        }
        catch (JsonException ex)
        {
            error = $"malformed session JSON: {ex.Message}";
            return false;
        }
        if (session is null || session.ServerId <= 0 || string.IsNullOrEmpty(session.Role) || string.IsNullOrEmpty(session.Address))
        {
            error = "session JSON lacks serverId, role or address";
            session = null;
            return false;
        }
        error = string.Empty;
        return true;
    }
}

[JsonSerializable(typeof(SessionInfo))]
[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
internal sealed partial class SessionJsonContext : JsonSerializerContext;
