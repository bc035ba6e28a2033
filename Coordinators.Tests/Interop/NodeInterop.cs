using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Coordinators.Tests.Interop;

/// <summary>Runs interop/server-interop.js (@grpc/grpc-js) against our server and returns its result line.</summary>
internal static class NodeInterop
{
    private static readonly TimeSpan s_backstop = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs one case. Lines with an "event" property go to <paramref name="onEvent"/> as they arrive; the last
    /// other line is the result: {"case","code","details","responses","metadata","trailers"}.
    /// </summary>
    public static async Task<JsonElement> RunAsync(string address, string caseName, Func<JsonElement, Task>? onEvent = null, params string[] extraArgs)
    {
        var interop = Path.Combine(RepoRoot.Find(), "interop");
        if (!Directory.Exists(Path.Combine(interop, "node_modules", "@grpc", "grpc-js")))
        {
            throw new InvalidOperationException("interop/node_modules is missing: run ./build.sh setup (npm install in interop/)");
        }
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = interop,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("server-interop.js");
        start.ArgumentList.Add(address);
        start.ArgumentList.Add(caseName);
        foreach (var arg in extraArgs)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        using var backstop = new CancellationTokenSource(s_backstop);
        var stderr = process.StandardError.ReadToEndAsync(backstop.Token);
        try
        {
            JsonElement? result = null;
            while (await process.StandardOutput.ReadLineAsync(backstop.Token) is { } line)
            {
                using var doc = JsonDocument.Parse(line);
                var element = doc.RootElement.Clone();
                if (element.TryGetProperty("event", out _))
                {
                    if (onEvent is not null)
                    {
                        await onEvent(element);
                    }
                    continue;
                }
                result = element;
            }
            await process.WaitForExitAsync(backstop.Token);
            return result ?? throw new InvalidOperationException(
                $"node printed no result for '{caseName}' (exit {process.ExitCode}): {await stderr}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
    }
}
