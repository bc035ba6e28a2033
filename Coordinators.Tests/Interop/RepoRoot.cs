namespace Coordinators.Tests.Interop;

/// <summary>Finds the repository (the folder holding Coordinators.sln) from the test binaries' folder.</summary>
internal static class RepoRoot
{
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Coordinators.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Coordinators.sln above {AppContext.BaseDirectory}");
    }
}
