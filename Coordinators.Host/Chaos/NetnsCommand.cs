using System.Diagnostics;
using System.Text;

namespace Coordinators.Host.Chaos;

/// <summary>A command of the partition plumbing (<c>ip</c>, <c>nft</c>) failed: its command line, exit code and stderr.</summary>
internal sealed class NetnsException : Exception
{
    public NetnsException(string message)
        : base(message)
    {
    }

    public NetnsException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public NetnsException()
    {
    }
}

/// <summary>
/// Runs the external commands the network namespaces are built with: <c>ip</c> (iproute2) and <c>nft</c> (nftables),
/// found on PATH or in /usr/sbin and /sbin (a non-root PATH often lacks them). A command that exits non-zero or
/// outlives its 10 s backstop throws a <see cref="NetnsException"/> naming the command line and its stderr.
/// </summary>
internal static class NetnsCommand
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(10);
    private static readonly string[] SbinDirs = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

    /// <summary>Full path of <paramref name="name"/> on PATH or in the sbin folders, or null when it is nowhere.</summary>
    public static string? Find(string name)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return path.Concat(SbinDirs).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }

    /// <summary>Full path of <c>ip</c>; throws when it is not installed.</summary>
    public static string Ip => Find("ip") ?? throw new NetnsException("`ip` (iproute2) is not installed");

    /// <summary>Runs <c>ip ARGS</c> and returns its stdout.</summary>
    public static Task<string> IpAsync(params string[] args) => RunAsync(Ip, args, null);

    /// <summary>Runs <c>ip -batch -</c> with one ip command per line (one process for many links or addresses).</summary>
    public static Task<string> IpBatchAsync(string? netns, IEnumerable<string> lines)
    {
        string[] args = netns is null ? ["-batch", "-"] : ["-n", netns, "-batch", "-"];
        return RunAsync(Ip, args, string.Join('\n', lines) + "\n");
    }

    /// <summary>Runs <c>ip netns exec NETNS nft -f -</c> with <paramref name="script"/> on stdin.</summary>
    public static Task<string> NftAsync(string netns, string script)
    {
        var nft = Find("nft") ?? throw new NetnsException("`nft` (nftables) is not installed");
        return RunAsync(Ip, ["netns", "exec", netns, nft, "-f", "-"], script);
    }

    /// <summary>Runs <paramref name="fileName"/> to its end; throws with its stderr unless it exits 0.</summary>
    public static async Task<string> RunAsync(string fileName, IReadOnlyList<string> args, string? stdin)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        var line = Describe(fileName, args);
        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new NetnsException($"`{line}` could not start: {e.Message}", e);
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await using var input = process.StandardInput;
            if (stdin is not null)
            {
                await input.WriteAsync(stdin).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The command exited before it read its input: its exit code and stderr below say why.
        }
        using var backstop = new CancellationTokenSource(Backstop);
        try
        {
            await process.WaitForExitAsync(backstop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
            throw new NetnsException($"`{line}` did not finish within {Backstop.TotalSeconds:F0} s (killed)");
        }
        var (output, error) = (await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        if (process.ExitCode != 0)
        {
            var input = stdin is null ? "" : $" (stdin: {stdin.Trim().Replace('\n', ';')})";
            throw new NetnsException($"`{line}` exited with {process.ExitCode}{input}: {error.Trim()}");
        }
        return output;
    }

    private static string Describe(string fileName, IReadOnlyList<string> args)
    {
        var sb = new StringBuilder(Path.GetFileName(fileName));
        foreach (var a in args)
        {
            sb.Append(' ').Append(a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a);
        }
        return sb.ToString();
    }
}
