using Coordinators.Actors.Etcd;

namespace Coordinators.Benchmarks;

/// <summary>The private etcd a benchmark runs on: the library's <see cref="EmbeddedEtcd"/> in a temp folder, quiet logs.</summary>
internal static class BenchmarkEtcd
{
    public static EmbeddedEtcdOptions Options(string benchmark) => new()
    {
        Directory = Path.Combine(Path.GetTempPath(), $"coordinators-bench-{benchmark}-" + Guid.NewGuid().ToString("N")[..8]),
        Name = "bench",
        ExtraArgs = ["--log-level", "error"],
    };
}
