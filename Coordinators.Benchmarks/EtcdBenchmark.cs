using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Coordinators.Actors.Etcd;

namespace Coordinators.Benchmarks;

/// <summary>
/// Unary etcd Range through our EtcdClient beside @grpc/grpc-js (interop/etcd-bench.js) on the same etcd:
/// sequential p50/p99, then throughput with 16 callers on one connection.
/// Args: [seconds=5] [concurrency=16] [sequential=3000] [--endpoint URL to use a running etcd].
/// </summary>
internal sealed class EtcdBenchmark : IBenchmark
{
    public string Name => "etcd";

    public string Description => "unary Range p50/p99 and 16-caller throughput: our EtcdClient vs @grpc/grpc-js on the same etcd";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        var seconds = positional.Length > 0 ? int.Parse(positional[0], CultureInfo.InvariantCulture) : 5;
        var concurrency = positional.Length > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : 16;
        var sequential = positional.Length > 2 ? int.Parse(positional[2], CultureInfo.InvariantCulture) : 3000;
        var endpointIndex = Array.IndexOf(args, "--endpoint");
        await using var etcd = endpointIndex >= 0 && endpointIndex + 1 < args.Length
            ? null
            : await EmbeddedEtcd.StartAsync(BenchmarkEtcd.Options("etcd"), cancellationToken);
        var endpoint = etcd?.Endpoint ?? args[endpointIndex + 1];
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [endpoint] });
        const string key = "bench/key";
        await client.PutAsync(key, new string('v', 64), cancellationToken: cancellationToken);

        var ours = await MeasureAsync(() => client.GetAsync(key, cancellationToken: cancellationToken), seconds, concurrency, sequential, cancellationToken);
        Print("ours (EtcdClient)", ours);
        var js = await RunGrpcJsAsync(endpoint, key, seconds, concurrency, sequential, cancellationToken);
        if (js is null)
        {
            Console.WriteLine("grpc-js baseline unavailable (run ./build.sh setup to install interop/node_modules)");
            return 1;
        }
        Print("@grpc/grpc-js", js.Value);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio ours/grpc-js: throughput {ours.CallsPerSecond / js.Value.CallsPerSecond:F2}x, p50 latency {ours.P50Ms / js.Value.P50Ms:F2}x (lower is better)"));
        return 0;
    }

    private readonly record struct Result(int SequentialCalls, double P50Ms, double P99Ms, long Calls, double Seconds, double CallsPerSecond);

    private static void Print(string who, Result r) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{who,-20} sequential p50 {r.P50Ms:F3} ms  p99 {r.P99Ms:F3} ms  |  {r.Calls} calls in {r.Seconds:F1} s = {r.CallsPerSecond:F0} calls/s"));

    private static async Task<Result> MeasureAsync(Func<Task> call, int seconds, int concurrency, int sequential, CancellationToken ct)
    {
        await RunForAsync(call, TimeSpan.FromSeconds(1), concurrency, ct); // warm-up: connection, JIT, tiering
        var latencies = new double[sequential];
        for (var i = 0; i < sequential; i++)
        {
            var t = Stopwatch.GetTimestamp();
            await call();
            latencies[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }
        Array.Sort(latencies);
        var sw = Stopwatch.StartNew();
        var calls = await RunForAsync(call, TimeSpan.FromSeconds(seconds), concurrency, ct);
        var elapsed = sw.Elapsed.TotalSeconds;
        return new Result(sequential, latencies[sequential / 2], latencies[Math.Min(sequential - 1, (int)(sequential * 0.99))], calls, elapsed, calls / elapsed);
    }

    private static async Task<long> RunForAsync(Func<Task> call, TimeSpan duration, int concurrency, CancellationToken ct)
    {
        long calls = 0;
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < end && !ct.IsCancellationRequested)
            {
                await call();
                Interlocked.Increment(ref calls);
            }
        }, ct)));
        return calls;
    }

    private static async Task<Result?> RunGrpcJsAsync(string endpoint, string key, int seconds, int concurrency, int sequential, CancellationToken ct)
    {
        var dir = FindInterop();
        if (dir is null || !Directory.Exists(Path.Combine(dir, "node_modules", "@grpc", "grpc-js")))
        {
            return null;
        }
        var psi = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        foreach (var a in new[] { Path.Combine(dir, "etcd-bench.js"), new Uri(endpoint).Authority, key, seconds.ToString(CultureInfo.InvariantCulture),
                     concurrency.ToString(CultureInfo.InvariantCulture), sequential.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }
        using var node = Process.Start(psi)!;
        var stderr = node.StandardError.ReadToEndAsync(ct);
        var stdout = await node.StandardOutput.ReadToEndAsync(ct);
        await node.WaitForExitAsync(ct);
        if (node.ExitCode != 0)
        {
            throw new InvalidOperationException("etcd-bench.js failed: " + await stderr);
        }
        using var doc = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        var r = doc.RootElement;
        return new Result(r.GetProperty("sequentialCalls").GetInt32(), r.GetProperty("p50Ms").GetDouble(), r.GetProperty("p99Ms").GetDouble(),
            r.GetProperty("calls").GetInt64(), r.GetProperty("seconds").GetDouble(), r.GetProperty("callsPerSecond").GetDouble());
    }

    private static string? FindInterop()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "interop");
            if (File.Exists(Path.Combine(candidate, "etcd-bench.js")))
            {
                return candidate;
            }
        }
        return null;
    }
}
