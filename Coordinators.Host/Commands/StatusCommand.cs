using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Spectre.Console;
using Coordinators.Actors.Model;

namespace Coordinators.Host.Commands;

/// <summary>
/// <c>coordinators status</c>: per coordinator role the primary (serverId, address, pid, crash guard pid, term, since) and the
/// standbys in queue order, then every session; <c>--json</c> prints one JSON document, <c>--watch</c> redraws
/// on each etcd change until interrupted.
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var command = new Command("status", "Show each coordinator role's primary and standbys, and every session, as etcd records them");
        var json = new Option<bool>("--json") { Description = "print JSON instead of tables" };
        var watch = new Option<bool>("--watch", "-w") { Description = "redraw on every etcd change until interrupted" };
        command.Options.Add(json);
        command.Options.Add(watch);
        var stopOnStdinEof = StdinEofWatch.CreateOption();
        command.Options.Add(stopOnStdinEof);
        var switches = new ConfigurationSwitches();
        switches.AddTo(command);
        command.SetAction((result, ct) => RunAsync(result, switches, result.GetValue(json), result.GetValue(watch), result.GetValue(stopOnStdinEof), ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, ConfigurationSwitches switches, bool json, bool watch, bool stopOnStdinEof, CancellationToken ct)
    {
        if (!switches.TryLoad(result, out var configuration))
        {
            return ExitCodes.BadConfiguration;
        }
        var output = result.InvocationConfiguration.Output;
        var options = configuration.Options;
        // Ctrl-C ends a watch: the etcd watch is cancelled and the command exits 0.
        using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var signals = new StopSignals(_ => interrupted.Cancel());
        if (stopOnStdinEof)
        {
            // A closed stdin ends a watch the same way. The reader thread may call back after the command returned.
            StdinEofWatch.Start(_ =>
            {
                try
                {
                    interrupted.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The command already ended.
                }
            });
        }
        ct = interrupted.Token;
        var layout = new EtcdLayout(options.Root);
        using var etcd = EtcdClientFactory.Create(options);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        // Redirected output reports 80 columns, which wraps addresses and times; a pipe has no width to respect.
        console.Profile.Width = Math.Max(console.Profile.Width, 140);
        try
        {
            var status = await ClusterStatus.ReadAsync(etcd, layout, ct).ConfigureAwait(false);
            Render(status, await ReadinessProbe.ReadAsync(status.Sessions, ct).ConfigureAwait(false), json, console, output, clear: false);
            if (!watch)
            {
                return ExitCodes.Ok;
            }
            await foreach (var _ in etcd.Watch(layout.Root + "/", new WatchOptions { Prefix = true, StartRevision = status.Revision + 1 }, ct).ConfigureAwait(false))
            {
                status = await ClusterStatus.ReadAsync(etcd, layout, ct).ConfigureAwait(false);
                Render(status, await ReadinessProbe.ReadAsync(status.Sessions, ct).ConfigureAwait(false), json, console, output, clear: true);
            }
            return ExitCodes.Ok;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or HttpRequestException)
        {
            await result.InvocationConfiguration.Error.WriteLineAsync($"coordinators: cannot read etcd at {string.Join(",", options.Etcd.Endpoints)}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.EtcdUnavailable;
        }
    }

    private static void Render(ClusterStatus status, IReadOnlyDictionary<long, string> ready, bool json, IAnsiConsole console, TextWriter output, bool clear)
    {
        if (json)
        {
            output.WriteLine(ToJson(status, ready).ToJsonString());
            return;
        }
        if (clear)
        {
            console.Clear();
        }
        var roles = new Table().Title($"coordinators (etcd revision {status.Revision})");
        roles.AddColumns("role", "primary", "address", "pid", "guard", "term", "since", "standbys (queue order)");
        foreach (var r in status.Coordinators)
        {
            var p = r.Primary;
            var standbys = string.Join(", ", r.Standbys.Select(c => c.Session is { } s ? s.ServerId.ToString(CultureInfo.InvariantCulture) : c.Key));
            roles.AddRow(
                r.Role,
                p is null ? (r.Queue.Count > 0 ? "(electing)" : "-") : p.ServerId.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(p?.Address ?? "-"),
                p?.Pid.ToString(CultureInfo.InvariantCulture) ?? "-",
                Guard(p),
                p?.Term.ToString(CultureInfo.InvariantCulture) ?? "-",
                p?.Since?.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) ?? "-",
                standbys.Length == 0 ? "-" : standbys);
        }
        console.Write(roles);
        var sessions = new Table().Title("sessions");
        sessions.AddColumns("role", "serverId", "address", "pid", "guard", "lease", "started", "http", "/readyz");
        foreach (var s in status.Sessions)
        {
            sessions.AddRow(s.Role, s.ServerId.ToString(CultureInfo.InvariantCulture), Markup.Escape(s.Address), s.Pid.ToString(CultureInfo.InvariantCulture), Guard(s),
                s.LeaseId.ToString("x", CultureInfo.InvariantCulture), s.StartedAt.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
                Markup.Escape(s.Http ?? "-"), Markup.Escape(ready.GetValueOrDefault(s.ServerId, "-")));
        }
        console.Write(sessions);
        foreach (var w in status.Warnings)
        {
            console.MarkupLine("[yellow]skipped[/] " + Markup.Escape(w));
        }
    }

    /// <summary>The crash guard's pid, or "-" for a process running without one.</summary>
    private static string Guard(SessionInfo? s) => s is { GuardPid: > 0 } ? s.GuardPid.ToString(CultureInfo.InvariantCulture) : "-";

    private static JsonObject ToJson(ClusterStatus status, IReadOnlyDictionary<long, string> ready)
    {
        JsonNode? WithReady(SessionInfo s)
        {
            var node = JsonNode.Parse(s.ToJson())!;
            if (ready.TryGetValue(s.ServerId, out var r))
            {
                node["ready"] = r;
            }
            return node;
        }
        static JsonNode? Session(SessionInfo? s) => s is null ? null : JsonNode.Parse(s.ToJson());
        var coordinators = new JsonArray();
        foreach (var r in status.Coordinators)
        {
            coordinators.Add(new JsonObject
            {
                ["role"] = r.Role,
                ["primary"] = Session(r.Primary),
                ["queue"] = new JsonArray([.. r.Queue.Select(c => (JsonNode)new JsonObject
                {
                    ["key"] = c.Key,
                    ["createRevision"] = c.CreateRevision,
                    ["leaseId"] = c.LeaseId,
                    ["serverId"] = c.Session?.ServerId,
                })]),
            });
        }
        return new JsonObject
        {
            ["revision"] = status.Revision,
            ["coordinators"] = coordinators,
            ["sessions"] = new JsonArray([.. status.Sessions.Select(WithReady)]),
            ["warnings"] = new JsonArray([.. status.Warnings.Select(w => (JsonNode)JsonValue.Create(w))]),
        };
    }
}
