using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Coordinators.Actors.Components;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Benchmarks;

/// <summary>
/// A component's Grpc.AspNetCore server against a @grpc/grpc-js server, both answering Health/Check, both driven by the same
/// grpc-js load client (interop/bench-client.js). Args: [SECONDS=5] [CONCURRENCY=16].
/// </summary>
internal sealed class GrpcServerBenchmark : IBenchmark
{
    public string Name => "grpc-server";

    public string Description => "unary Health/Check served by our server vs a grpc-js server, grpc-js load client";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var seconds = args.Length > 0 ? args[0] : "5";
        var concurrency = args.Length > 1 ? args[1] : "16";
        var interop = Path.Combine(FindRoot(), "interop");

        // A component's own server (Grpc.AspNetCore behind the component interceptor), as every process serves it.
        var host = new ComponentHost(Roles.QueryNode).UseGrpcServer("127.0.0.1:0");
        await host.StartAsync(cancellationToken);
        JsonElement ours;
        try
        {
            ours = await RunClientAsync(interop, host.Address, seconds, concurrency, cancellationToken);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        var start = new ProcessStartInfo("node", "bench-server.js") { WorkingDirectory = interop, RedirectStandardOutput = true, RedirectStandardInput = true };
        using var baselineServer = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        JsonElement theirs;
        try
        {
            var portLine = await baselineServer.StandardOutput.ReadLineAsync(cancellationToken) ?? throw new InvalidOperationException("bench-server.js printed nothing");
            var port = JsonDocument.Parse(portLine).RootElement.GetProperty("port").GetInt32();
            theirs = await RunClientAsync(interop, $"127.0.0.1:{port}", seconds, concurrency, cancellationToken);
        }
        finally
        {
            baselineServer.StandardInput.Close();
            if (!baselineServer.WaitForExit(5000))
            {
                baselineServer.Kill(entireProcessTree: true);
            }
        }

        Print("ours (AspNetCore)", ours);
        Print("grpc-js server", theirs);
        var ratio = ours.GetProperty("callsPerSecond").GetDouble() / theirs.GetProperty("callsPerSecond").GetDouble();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"throughput ratio ours/grpc-js: {ratio:F2}"));
        return 0;
    }

    private static void Print(string label, JsonElement r) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-16} p50 {r.GetProperty("p50Ms").GetDouble():F3} ms  p99 {r.GetProperty("p99Ms").GetDouble():F3} ms  {r.GetProperty("callsPerSecond").GetDouble(),9:F0} calls/s"));

    private static async Task<JsonElement> RunClientAsync(string interop, string address, string seconds, string concurrency, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = interop, RedirectStandardOutput = true };
        foreach (var arg in new[] { "bench-client.js", address, seconds, concurrency })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        try
        {
            var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return JsonDocument.Parse(output).RootElement.Clone();
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Coordinators.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("no Coordinators.sln above " + AppContext.BaseDirectory);
    }
}
