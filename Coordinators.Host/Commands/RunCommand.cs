using System.CommandLine;
using Coordinators.Actors.Components;
using Coordinators.Actors.Hosting;
using Coordinators.Actors.Sessions;
using Microsoft.Extensions.Logging;
using Coordinators.Actors.Model;

namespace Coordinators.Host.Commands;

/// <summary>
/// <c>coordinators run --role ROLE</c>: one component in the foreground (a coordinator joins its election; a node
/// just serves). Logs one line per event to the console, prints <c>READY role=.. serverId=.. address=.. state=..
/// pid=..</c> (and <c>guard=..</c> under a crash guard) once started and <c>STATE role=.. serverId=.. state=.. term=..</c>
/// on each state change, and stops cleanly (resign, revoke, exit 0) on SIGTERM or SIGINT. With <c>--crash-guard</c> this
/// process becomes the <see cref="CrashGuard"/> of a child running the same command line.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "Run one component (coordinator with election, or node) in the foreground");
        var role = new Option<string>("--role", "-r")
        {
            Description = "role to run: " + string.Join(", ", Roles.All),
            HelpName = "ROLE",
            Required = true,
        };
        command.Options.Add(role);
        var stopOnStdinEof = StdinEofWatch.CreateOption();
        command.Options.Add(stopOnStdinEof);
        var logFormat = ConsoleLogging.CreateOption();
        command.Options.Add(logFormat);
        var switches = new ConfigurationSwitches();
        switches.AddTo(command);
        var guard = new CrashGuardSwitches();
        guard.AddTo(command);
        command.SetAction((result, ct) => RunAsync(result, switches, guard, result.GetValue(role)!, result.GetValue(stopOnStdinEof), logFormat, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, ConfigurationSwitches switches, CrashGuardSwitches guard, string role, bool stopOnStdinEof, Option<string> logFormat, CancellationToken ct)
    {
        var error = result.InvocationConfiguration.Error;
        var output = result.InvocationConfiguration.Output;
        if (!Roles.All.Contains(role, StringComparer.Ordinal))
        {
            await error.WriteLineAsync($"coordinators: unknown role '{role}'; known roles: {string.Join(", ", Roles.All)}").ConfigureAwait(false);
            return ExitCodes.BadConfiguration;
        }
        if (!switches.TryLoad(result, out var configuration))
        {
            return ExitCodes.BadConfiguration;
        }
        using var loggerFactory = ConsoleLogging.Create(result.GetValue(logFormat)!);
        if (guard.ShouldGuard(result, configuration.Options.CrashGuard))
        {
            return await CrashGuard.RunAsync(configuration.Options, guard.RestartPolicy(result), stopOnStdinEof, output, loggerFactory).ConfigureAwait(false);
        }
        var logger = loggerFactory.CreateLogger("Coordinators.Host");
        TestHooks.Install(logger);
        var stop = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var startCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var signals = new StopSignals(signal =>
        {
            if (stop.TrySetResult(ExitCodes.Ok))
            {
                logger.LogInformation("{Signal} received: stopping", signal);
                // A signal during start-up abandons the start; the stages already started are stopped in reverse.
                startCts.Cancel();
            }
        });
        if (stopOnStdinEof)
        {
            StdinEofWatch.Start(reason =>
            {
                logger.LogWarning("stopping: {Reason}", reason);
                if (stop.TrySetResult(ExitCodes.Ok))
                {
                    try
                    {
                        startCts.Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                        // The run already ended by another way (session loss with exit-on-session-loss).
                    }
                }
            });
        }

        await using var runtime = new ComponentRuntime(role, configuration.Options, loggerFactory);
        using var guardLink = guard.OpenChildLink(result, logger);
        runtime.CrashGuard = guardLink;
        RunComposition.Configure(runtime);
        // One line per change of what the line shows, with or without a session (serverId=0 while there is none).
        var lastState = string.Empty;
        var stateLock = new object();
        runtime.Host.StateChanged += s =>
        {
            var line = $"STATE role={s.Role} serverId={s.ServerId} state={s.State} term={s.Term}";
            lock (stateLock)
            {
                if (line == lastState)
                {
                    return;
                }
                lastState = line;
                output.WriteLine(line);
            }
        };
        try
        {
            await runtime.StartAsync(startCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (startCts.IsCancellationRequested)
        {
            logger.LogInformation("stopped while starting");
            return await stop.Task.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Role} failed to start: {Error}", role, e.Message);
            return ExitCodes.StartFailed;
        }
        var snapshot = runtime.Host.Snapshot;
        var http = runtime.Http is { } h ? " http=" + h.Address : string.Empty;
        var guarded = guardLink is { } g ? $" guard={g.GuardPid}" : string.Empty;
        output.WriteLine($"READY role={role} serverId={snapshot.ServerId} address={snapshot.Address} state={snapshot.State} pid={Environment.ProcessId}{guarded}{http}");

        var code = await (await Task.WhenAny(stop.Task, runtime.Host.StopRequested, Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => ExitCodes.Ok, TaskScheduler.Default)).ConfigureAwait(false)).ConfigureAwait(false);
        try
        {
            await runtime.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (AggregateException e)
        {
            logger.LogWarning("stop finished with errors: {Error}", e.Message);
        }
        logger.LogInformation("{Role} stopped, exit code {Code}", role, code);
        return code;
    }
}
