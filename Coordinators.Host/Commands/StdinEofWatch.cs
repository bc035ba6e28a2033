using System.CommandLine;

namespace Coordinators.Host.Commands;

/// <summary>
/// Calls back once standard input reaches end of file. A supervisor that starts <c>coordinators run</c> with a
/// pipe on stdin (the demo does) holds the write end for as long as it lives; when it dies, even by SIGKILL,
/// the kernel closes the pipe and the child stops cleanly instead of living on as an orphan.
/// </summary>
internal sealed class StdinEofWatch
{
    // The reader thread; a background thread so that it never holds the process open.
    private readonly Thread _thread;

    private StdinEofWatch(Action<string> onEof)
    {
        _thread = new Thread(() => Watch(onEof)) { IsBackground = true, Name = "stdin-eof-watch" };
    }

    /// <summary>The switch's name.</summary>
    public const string Switch = "--stop-on-stdin-eof";

    /// <summary>The <c>--stop-on-stdin-eof</c> switch of the long-running commands (run, standalone, status --watch).</summary>
    public static Option<bool> CreateOption() => new(Switch)
    {
        Description = "stop cleanly when standard input closes: a supervisor holding a pipe on stdin takes its children along when it dies",
    };

    /// <summary>Starts reading stdin on a background thread; <paramref name="onEof"/> gets the reason once.</summary>
    public static StdinEofWatch Start(Action<string> onEof)
    {
        var watch = new StdinEofWatch(onEof);
        watch._thread.Start();
        return watch;
    }

    private static void Watch(Action<string> onEof)
    {
        string reason;
        try
        {
            using var stdin = Console.OpenStandardInput();
            var buffer = new byte[256];
            // Whatever the parent writes is ignored; only the end of the stream matters.
            while (stdin.Read(buffer, 0, buffer.Length) > 0)
            {
            }
            reason = "standard input closed (the parent process is gone)";
        }
        catch (IOException e)
        {
            reason = "standard input failed: " + e.Message;
        }
        onEof(reason);
    }
}
