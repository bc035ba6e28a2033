using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Config;
using Coordinators.Actors.Connections;
using Coordinators.Actors.Transport;
using Grpc.Core;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Host.Commands;

/// <summary>
/// <c>coordinators probe --role ROLE</c>: discovers every process session <c>{role}-*</c> through a ConnectionManager
/// (for a coordinator role the standbys too, not just the primary), connects to each (GetComponentStates with its
/// ServerID) and prints one line per session: serverId, address, state, round-trip ms. Exit 0 when every session
/// answered, 1 when one did not or none exists.
/// </summary>
internal static class ProbeCommand
{
    private const int Unreachable = 1;

    public static Command Create()
    {
        var command = new Command("probe", "Reach every session of a role through the ConnectionManager and print its state and round trip");
        var role = new Option<string>("--role", "-r") { Description = "role to probe: " + string.Join(", ", Roles.All), HelpName = "ROLE", Required = true };
        var json = new Option<bool>("--json") { Description = "print a JSON array instead of lines" };
        var timeout = new Option<string>("--timeout") { Description = "how long each connect may take", HelpName = "DURATION", DefaultValueFactory = _ => "3s" };
        command.Options.Add(role);
        command.Options.Add(json);
        command.Options.Add(timeout);
        var switches = new ConfigurationSwitches();
        switches.AddTo(command);
        command.SetAction((result, ct) => RunAsync(result, switches, result.GetValue(role)!, result.GetValue(json), result.GetValue(timeout)!, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, ConfigurationSwitches switches, string role, bool json, string timeoutText, CancellationToken ct)
    {
        var output = result.InvocationConfiguration.Output;
        var error = result.InvocationConfiguration.Error;
        if (!Roles.All.Contains(role, StringComparer.Ordinal))
        {
            await error.WriteLineAsync($"coordinators: unknown role '{role}'; known roles: {string.Join(", ", Roles.All)}").ConfigureAwait(false);
            return ExitCodes.BadConfiguration;
        }
        if (!Duration.TryParse(timeoutText, out var timeout) || timeout <= TimeSpan.Zero)
        {
            await error.WriteLineAsync($"coordinators: --timeout '{timeoutText}' is not a duration such as 3s").ConfigureAwait(false);
            return ExitCodes.BadConfiguration;
        }
        if (!switches.TryLoad(result, out var configuration))
        {
            return ExitCodes.BadConfiguration;
        }
        var options = configuration.Options;
        using var etcd = EtcdClientFactory.Create(options);
        var managerOptions = ConnectionManagerOptions.From(options) with
        {
            // One try per session: a probe reports what it finds now rather than waiting out a retry policy.
            Connect = new RetryPolicyOptions { MaxAttempts = 1, AttemptTimeout = timeout },
        };
        await using var connections = new ConnectionManager(etcd, managerOptions);
        IReadOnlyList<ClientHandle> handles;
        try
        {
            await connections.AddDependencyAsync(role, DependencyScope.AllSessions, ct).ConfigureAwait(false);
            handles = await SettledAsync(connections, role, timeout + TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            await error.WriteLineAsync($"coordinators: etcd is unavailable: {e.Status.Detail}").ConfigureAwait(false);
            return ExitCodes.EtcdUnavailable;
        }
        var rows = new List<(ClientHandle Handle, string State, double? RoundTripMs)>();
        foreach (var h in handles)
        {
            rows.Add(await MeasureAsync(h, timeout).ConfigureAwait(false));
        }
        if (json)
        {
            var array = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
            {
                ["serverId"] = r.Handle.ServerId,
                ["role"] = role,
                ["address"] = r.Handle.Address,
                ["state"] = r.State,
                ["roundTripMs"] = r.RoundTripMs is { } ms ? Math.Round(ms, 3) : null,
            }).ToArray());
            await output.WriteLineAsync(array.ToJsonString()).ConfigureAwait(false);
        }
        else if (rows.Count == 0)
        {
            await output.WriteLineAsync($"no {role} sessions under {options.Root}/session/").ConfigureAwait(false);
        }
        else
        {
            foreach (var (h, state, rtt) in rows)
            {
                var ms = rtt is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) + " ms" : "-";
                await output.WriteLineAsync($"serverId={h.ServerId} address={h.Address} state={state} rtt={ms}").ConfigureAwait(false);
            }
        }
        return rows.Count > 0 && rows.All(r => r.RoundTripMs is not null) ? ExitCodes.Ok : Unreachable;
    }

    /// <summary>Waits until no discovered session is still Connecting (each has one try of the timeout).</summary>
    private static async Task<IReadOnlyList<ClientHandle>> SettledAsync(ConnectionManager connections, string role, TimeSpan limit, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(limit);
        while (true)
        {
            var change = connections.Registry.NextChange(role);
            var all = connections.GetAllClients(role);
            if (all.All(h => h.State != ClientState.Connecting))
            {
                return all;
            }
            try
            {
                await change.WaitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return connections.GetAllClients(role);
            }
        }
    }

    private static async Task<(ClientHandle, string, double?)> MeasureAsync(ClientHandle handle, TimeSpan timeout)
    {
        if (!handle.IsOnline)
        {
            return (handle, handle.State == ClientState.Offline ? "Unreachable" : handle.State.ToString(), null);
        }
        try
        {
            var started = Stopwatch.GetTimestamp();
            var states = await handle.Client.GetComponentStatesAsync(new GetComponentStatesRequest(), new CallOptions(deadline: DateTime.UtcNow + timeout)).ConfigureAwait(false);
            var rtt = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            return (handle, ((Actors.Components.StateCode)(int)states.State).ToString(), rtt);
        }
        catch (RpcException)
        {
            return (handle, "Unreachable", null);
        }
    }
}
