namespace Coordinators.Tests.Config;

/// <summary>A temporary directory for configuration files, deleted on dispose.</summary>
internal sealed class TempFiles : IDisposable
{
    public TempFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "coordinators-config-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary>Writes <paramref name="text"/> to <paramref name="name"/> (subfolders allowed) and returns its full path.</summary>
    public string Write(string name, string text)
    {
        var path = Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
