using System.Reflection.PortableExecutable;
using System.Text.Json;

namespace Coordinators.Benchmarks.Failover;

/// <summary>
/// Which kind of build a host is (the build precompiles it with ReadyToRun; see Coordinators.Host/ReadyToRun.targets),
/// and an IL-only copy of a ReadyToRun build, the JIT-everything baseline measured beside it in the same run.
/// </summary>
internal static class HostBuild
{
    /// <summary>Whether <paramref name="assembly"/> carries ReadyToRun code (a managed native header).</summary>
    public static bool IsReadyToRun(string assembly)
    {
        using var stream = File.OpenRead(assembly);
        using var pe = new PEReader(stream);
        return pe.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }

    /// <summary>"ReadyToRun" or "IL only", for a benchmark's header line.</summary>
    public static string Describe(string dll) => IsReadyToRun(dll) ? "ReadyToRun" : "IL only";

    /// <summary>
    /// Copies the folder of <paramref name="dll"/> to a new temporary folder and puts back, over every ReadyToRun image
    /// in it, the IL assembly it was compiled from: a project's from its obj folder, a package's from the NuGet cache
    /// (the host's deps.json names the package and the file). The caller deletes the folder.
    /// </summary>
    public static string IlOnlyCopy(string dll)
    {
        var bin = Path.GetDirectoryName(Path.GetFullPath(dll))!;
        var sources = IlSources(dll);
        var target = Directory.CreateTempSubdirectory("coordinators-il-").FullName;
        foreach (var file in Directory.EnumerateFiles(bin, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(bin, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            var name = Path.GetFileName(file);
            var isImage = name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && IsReadyToRun(file);
            if (!isImage)
            {
                File.Copy(file, to);
                continue;
            }
            if (!sources.TryGetValue(name, out var il) || !File.Exists(il))
            {
                throw new FileNotFoundException(
                    $"{file} is a ReadyToRun image and its IL assembly is not where {Path.ChangeExtension(dll, ".deps.json")} says ({il ?? "not listed"}): build the host again (./build.sh build)", il ?? name);
            }
            if (IsReadyToRun(il))
            {
                throw new InvalidOperationException($"{il}, the IL source of {file}, is itself a ReadyToRun image");
            }
            File.Copy(il, to);
        }
        return Path.Combine(target, Path.GetFileName(dll));
    }

    /// <summary>File name -> where its IL assembly is, for every runtime assembly the host's deps.json lists.</summary>
    private static Dictionary<string, string> IlSources(string dll)
    {
        var deps = Path.ChangeExtension(dll, ".deps.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(deps));
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } cache
            ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        // bin/{Configuration}/net10.0/coordinators.dll: a project's IL is in {project}/obj/{Configuration}/net10.0/.
        var tfmDir = new DirectoryInfo(Path.GetDirectoryName(Path.GetFullPath(dll))!);
        var intermediate = Path.Combine("obj", tfmDir.Parent!.Name, tfmDir.Name);
        var solution = tfmDir.Parent.Parent!.Parent!.Parent!.FullName;
        var runtimeTarget = doc.RootElement.GetProperty("runtimeTarget").GetProperty("name").GetString()!;
        var libraries = doc.RootElement.GetProperty("libraries");
        var sources = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var library in doc.RootElement.GetProperty("targets").GetProperty(runtimeTarget).EnumerateObject())
        {
            if (!library.Value.TryGetProperty("runtime", out var runtime))
            {
                continue;
            }
            var info = libraries.GetProperty(library.Name);
            foreach (var file in runtime.EnumerateObject())
            {
                var name = Path.GetFileName(file.Name);
                sources[name] = info.GetProperty("type").GetString() == "package"
                    ? Path.Combine(packages, info.GetProperty("path").GetString()!, file.Name)
                    : Directory.EnumerateDirectories(solution)
                        .Select(project => Path.Combine(project, intermediate, name))
                        .FirstOrDefault(File.Exists) ?? Path.Combine(solution, "*", intermediate, name);
            }
        }
        return sources;
    }
}
