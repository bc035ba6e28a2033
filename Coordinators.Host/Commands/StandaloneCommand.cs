using System.CommandLine;
using Coordinators.Actors.Components;
using Coordinators.Actors.Hosting;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Connections;
using Coordinators.Actors.Connections.Nodes;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Transport;
using Grpc.Core;
using Coordinators.Actors.Sessions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Coordinators.Actors.Model;

namespace Coordinators.Host.Commands;

/// <summary>
/// <c>coordinators standalone</c>: every role in one process (MEP 2's standalone case). Each role still has its
/// session, its gRPC server (for probes and outside callers) and, for coordinators, its election in etcd; but the
/// roles call each other directly in-process through the same <see cref="IComponentClient"/> interface. Without a
/// configured etcd endpoint it starts a private etcd child process (data under the working folder) and stops it on
/// exit. Prints <c>READY</c> per role, an in-process Proxy round as <c>PROXY ...</c>, then
/// <c>STANDALONE READY</c>; SIGTERM/SIGINT stop the nodes, then the coordinators, then etcd.
/// </summary>
internal static class StandaloneCommand
{
    public static Command Create()
    {
        var command = new Command("standalone", "Run every role in one process; roles call each other in-process; etcd embedded unless configured");
        var stopOnStdinEof = StdinEofWatch.CreateOption();
        command.Options.Add(stopOnStdinEof);
        var logFormat = ConsoleLogging.CreateOption();
        command.Options.Add(logFormat);
        var switches = new ConfigurationSwitches();
        switches.AddTo(command);
        var guard = new CrashGuardSwitches();
        guard.AddTo(command);
        command.SetAction((result, ct) => RunAsync(result, switches, guard, result.GetValue(stopOnStdinEof), logFormat, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, ConfigurationSwitches switches, CrashGuardSwitches guard, bool stopOnStdinEof, Option<string> logFormat, CancellationToken ct)
    {
        var output = result.InvocationConfiguration.Output;
        if (!switches.TryLoad(result, out var configuration))
        {
            return ExitCodes.BadConfiguration;
        }
        using var loggerFactory = ConsoleLogging.Create(result.GetValue(logFormat)!);
        var embedEtcd = !configuration.Configuration.GetSection("coordinators:etcd:endpoints").Exists();
        if (guard.ShouldGuard(result, configuration.Options.CrashGuard))
        {
            if (embedEtcd)
            {
                // The embedded etcd dies with the guarded child: there would be no etcd left to revoke on.
                await result.InvocationConfiguration.Error.WriteLineAsync(
                    "coordinators: standalone --crash-guard needs coordinators.etcd.endpoints (or --etcd): the embedded etcd dies with the guarded child").ConfigureAwait(false);
                return ExitCodes.BadConfiguration;
            }
            return await CrashGuard.RunAsync(configuration.Options, guard.RestartPolicy(result), stopOnStdinEof, output, loggerFactory).ConfigureAwait(false);
        }
        var logger = loggerFactory.CreateLogger("Coordinators.Standalone");
        using var guardLink = guard.OpenChildLink(result, logger);
        var stop = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var signals = new StopSignals(signal =>
        {
            if (stop.TrySetResult(ExitCodes.Ok))
            {
                logger.LogInformation("{Signal} received: stopping", signal);
            }
        });
        if (stopOnStdinEof)
        {
            StdinEofWatch.Start(reason =>
            {
                if (stop.TrySetResult(ExitCodes.Ok))
                {
                    logger.LogWarning("stopping: {Reason}", reason);
                }
            });
        }

        var options = configuration.Options;
        // One endpoint for the whole process (one line per role), not one per role: the runtimes must not start their own.
        var httpListen = options.HttpListen;
        options = options with { HttpListen = null };
        EmbeddedEtcd? embedded = null;
        if (embedEtcd)
        {
            embedded = await EmbeddedEtcd.StartAsync(new EmbeddedEtcdOptions { Directory = Path.Combine(Environment.CurrentDirectory, ".coordinators-etcd") }, ct).ConfigureAwait(false);
            options = options with { Etcd = options.Etcd with { Endpoints = [embedded.Endpoint] } };
            output.WriteLine($"EMBEDDED-ETCD endpoint={embedded.Endpoint} pid={embedded.ProcessId} dir={embedded.DataDir}");
        }
        // Eight servers cannot share one port: keep the configured host, let each pick a free port.
        options = options with { Listen = ComponentHost.ParseListen(options.Listen).Host + ":0" };
        var etcd = EtcdClientFactory.Create(options, loggerFactory);
        var directory = new LocalComponentDirectory();
        using var grpcFallback = new GrpcComponentClientFactory();
        var clients = new InProcessComponentClientFactory(directory, grpcFallback);
        var runtimes = new List<ComponentRuntime>();
        ConnectionManager? proxyConnections = null;
        HealthHttpServer? httpServer = null;
        try
        {
            foreach (var role in Roles.All)
            {
                var runtime = new ComponentRuntime(role, options, loggerFactory, etcd) { CrashGuard = guardLink };
                ConnectionManager? connections = null;
                if (!Roles.IsCoordinator(role))
                {
                    connections = runtime.Host.UseConnectionManager(etcd, ConnectionManagerOptions.From(options) with { ClientFactory = clients });
                }
                proxyConnections ??= role == Roles.Proxy ? connections : null;
                RegisterInProcess(directory, new HostComponentService(runtime.Host, role == Roles.Proxy ? connections : null));
                runtimes.Add(runtime);
            }
            if (httpListen is not null)
            {
                httpServer = await HealthHttpServer.StartAsync([.. runtimes.Select(r => r.Host)], httpListen, options.Session.Ttl, TimeProvider.System, ct).ConfigureAwait(false);
                foreach (var r in runtimes)
                {
                    r.Host.HttpAddress = httpServer.Address;
                }
                output.WriteLine($"HTTP address={httpServer.Address} paths=/healthz,/readyz,/metrics");
            }
            // Coordinators first so the proxy finds primaries at once; each group starts in parallel.
            await Task.WhenAll(runtimes.Where(r => Roles.IsCoordinator(r.Role)).Select(r => r.StartAsync(ct))).ConfigureAwait(false);
            await Task.WhenAll(runtimes.Where(r => !Roles.IsCoordinator(r.Role)).Select(r => r.StartAsync(ct))).ConfigureAwait(false);
            // Each coordinator role has one process here, so each leads; READY says so only once it serves (a primary's
            // start, e.g. datacoord reading its meta, can still run when its start-up stages are done).
            await Task.WhenAll(runtimes.Where(r => Roles.IsCoordinator(r.Role)).Select(r => WaitServingAsync(r.Host, ct))).ConfigureAwait(false);
            foreach (var r in runtimes)
            {
                var s = r.Host.Snapshot;
                output.WriteLine($"READY role={s.Role} serverId={s.ServerId} address={s.Address} state={s.State}");
            }
            await SelfCheckAsync(directory, runtimes, proxyConnections!, output, ct).ConfigureAwait(false);
            output.WriteLine($"STANDALONE READY roles={runtimes.Count} etcd={string.Join(',', options.Etcd.Endpoints)}");
            return await (await Task.WhenAny(stop.Task, Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => ExitCodes.Ok, TaskScheduler.Default)).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "standalone failed to start: {Error}", e.Message);
            return ExitCodes.StartFailed;
        }
        finally
        {
            // Nodes first (they call the coordinators), then coordinators, then etcd.
            foreach (var r in Enumerable.Reverse(runtimes))
            {
                try
                {
                    await r.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    logger.LogWarning("stopping {Role} failed: {Error}", r.Role, e.Message);
                }
            }
            if (httpServer is not null)
            {
                await httpServer.DisposeAsync().ConfigureAwait(false);
            }
            etcd.Dispose();
            if (embedded is not null)
            {
                await embedded.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Completes once <paramref name="host"/> is Healthy; fails naming the role after 30 s.</summary>
    private static async Task WaitServingAsync(ComponentHost host, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await foreach (var s in host.WatchStates(timeout.Token).ConfigureAwait(false))
            {
                if (s.State == Coordinators.Actors.Components.StateCode.Healthy)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new InvalidOperationException($"{host.Role} did not become primary within 30 s (state {host.State}: {host.Snapshot.Reason})");
        }
        throw new InvalidOperationException($"{host.Role} stopped before it became primary");
    }

    /// <summary>Keeps the role's in-process service registered under its current ServerID (a new session changes it).</summary>
    private static void RegisterInProcess(LocalComponentDirectory directory, HostComponentService service)
    {
        long registered = 0;
        service.Host.StateChanged += s =>
        {
            var previous = Interlocked.Exchange(ref registered, s.ServerId);
            if (previous == s.ServerId)
            {
                return;
            }
            if (previous != 0)
            {
                directory.Unregister(previous);
            }
            if (s.ServerId != 0)
            {
                directory.Register(service);
            }
        };
    }

    /// <summary>One Proxy round through the in-process clients, proving the roles reach each other without gRPC.</summary>
    private static async Task SelfCheckAsync(LocalComponentDirectory directory, List<ComponentRuntime> runtimes, ConnectionManager proxyConnections, TextWriter output, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        await proxyConnections.WaitForClientsAsync(Roles.QueryNode, 1, timeout.Token).ConfigureAwait(false);
        var proxyId = runtimes.Single(r => r.Role == Roles.Proxy).Host.ServerId;
        if (!directory.TryGet(proxyId, out var proxy))
        {
            throw new InvalidOperationException("the proxy is not registered in-process");
        }
        var client = new InProcessComponentClient(proxy, proxyId);
        var reply = await client.ProxyAsync(new ProxyRequest { CoordinatorRole = Roles.RootCoord, NodeRole = Roles.QueryNode },
            new CallOptions(deadline: DateTime.UtcNow.AddSeconds(15), cancellationToken: timeout.Token)).ConfigureAwait(false);
        var queryNode = proxyConnections.GetClients(Roles.QueryNode)[0].Client;
        var transport = queryNode is LocalFirstComponentClient localFirst ? localFirst.Transport : queryNode.GetType().Name;
        output.WriteLine($"PROXY coordinator={reply.CoordinatorServerId} term={reply.CoordinatorTerm} node={reply.NodeServerId} via={transport}");
    }
}
