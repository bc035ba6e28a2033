namespace Coordinators.Benchmarks.Failover;

/// <summary>Where the benchmarks find the `coordinators` host they start, and the percentile they report.</summary>
internal static class HostDll
{
    private static readonly Lazy<string> IlOnly = new(() =>
    {
        var copy = HostBuild.IlOnlyCopy(Built());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        return copy;
    });

    /// <summary>
    /// The built host, or the one COORDINATORS_HOST_DLL names (another build, to measure before beside after), or with
    /// COORDINATORS_HOST_IL=1 an IL-only copy of the built host (<see cref="HostBuild.IlOnlyCopy"/>).
    /// </summary>
    public static string Resolve() => Chosen.Value;

    private static readonly Lazy<string> Chosen = new(() =>
    {
        var dll = Environment.GetEnvironmentVariable("COORDINATORS_HOST_IL") == "1" ? IlOnly.Value : Built();
        Console.WriteLine($"host: {dll} ({HostBuild.Describe(dll)})");
        return dll;
    });

    /// <summary>The built host, or the one COORDINATORS_HOST_DLL names.</summary>
    public static string Built()
    {
        var dll = Environment.GetEnvironmentVariable("COORDINATORS_HOST_DLL") is { Length: > 0 } other
            ? Path.GetFullPath(other)
            : Path.Combine(FindRoot(), "Coordinators.Host", "bin", "Release", "net10.0", "coordinators.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"no coordinators host at {dll} (COORDINATORS_HOST_DLL or ./build.sh build)", dll);
    }

    /// <summary>The <paramref name="p"/> percentile (nearest rank) of an ascending list.</summary>
    public static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

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
