namespace Coordinators.Host;

/// <summary>How this executable is started again, by the demo for its children and by the crash guard for its child.</summary>
internal static class HostExecutable
{
    /// <summary>The apphost itself, or <c>dotnet coordinators.dll</c>.</summary>
    public static (string FileName, IReadOnlyList<string> Prefix) Self()
    {
        var processPath = Environment.ProcessPath ?? "dotnet";
        var dll = typeof(HostExecutable).Assembly.Location;
        var exe = Path.GetFileNameWithoutExtension(processPath);
        return string.Equals(exe, "dotnet", StringComparison.OrdinalIgnoreCase) ? (processPath, [dll]) : (processPath, []);
    }
}
