using System.Diagnostics;
using System.Text;

namespace Coordinators.Tests.Fixtures;

/// <summary>The outcome of a <c>coordinators</c> run that went to completion.</summary>
public sealed record HostResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Runs the built <c>coordinators</c> executable (<c>dotnet coordinators.dll ARGS</c>) as a real
/// process: short commands with <see cref="RunAsync"/>, long-running ones with <see cref="Start"/>,
/// then <see cref="WaitForLineAsync"/>, <see cref="Signal"/> and <see cref="WaitForExitAsync"/>.
/// Disposal kills the process tree if it still runs, so nothing outlives a failed test.
/// </summary>
public sealed class HostRunner : IDisposable, IAsyncDisposable
{
    private static readonly Lazy<string> _repositoryRoot = new(FindRepositoryRoot);

    private readonly Process _process;
    private readonly object _gate = new();
    // Every line of stdout and stderr in arrival order; guarded by _gate.
    private readonly List<string> _lines = [];
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    // Pending WaitForLineAsync calls; completed outside _gate.
    private readonly List<(Func<string, bool> Predicate, TaskCompletionSource<string> Done)> _waiters = [];

    private HostRunner(Process process) => _process = process;

    /// <summary>The folder holding Coordinators.sln, found by walking up from the test assembly.</summary>
    public static string RepositoryRoot => _repositoryRoot.Value;

    /// <summary>The built host, in the same configuration (Release/Debug) as the tests.</summary>
    public static string HostDll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
            var dll = Path.Combine(RepositoryRoot, "Coordinators.Host", "bin", configuration, "net10.0", "coordinators.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"the host is not built: {dll} (run ./build.sh build)");
        }
    }

    /// <summary>The process id, for signals sent by other means.</summary>
    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything written to stdout so far.</summary>
    public string StandardOutput
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>Everything written to stderr so far.</summary>
    public string StandardError
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts <c>coordinators ARGS</c>; <paramref name="environment"/> entries with a null value are removed.</summary>
    public static HostRunner Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null) =>
        StartProcess("dotnet", [HostDll, .. args], environment, workingDirectory);

    /// <summary>Starts any executable with the same capture, signalling and clean-up (e.g. etcdctl or a shell).</summary>
    public static HostRunner StartProcess(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        // SIGINT and SIGQUIT ignored by whoever started the test run (a background job of a script, nohup) would be
        // inherited, and a process started with SIGINT ignored rightly keeps ignoring it. The tests send SIGINT as
        // a user's Ctrl-C does, so every process starts with the default dispositions; env execs, the pid stays.
        var info = new ProcessStartInfo("/usr/bin/env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepositoryRoot,
        };
        info.ArgumentList.Add("--default-signal=INT,QUIT");
        info.ArgumentList.Add(fileName);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // A test decides the configuration; the developer's own COORDINATORS__* variables must not leak in.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("COORDINATORS__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var runner = new HostRunner(process);
        process.OutputDataReceived += (_, e) => runner.OnLine(e.Data, runner._stdout);
        process.ErrorDataReceived += (_, e) => runner.OnLine(e.Data, runner._stderr);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return runner;
    }

    /// <summary>Runs <c>coordinators ARGS</c> to completion; the timeout (default 60 s) is only a backstop and kills the process.</summary>
    public static async Task<HostResult> RunAsync(IEnumerable<string> args, TimeSpan? timeout = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        await using var runner = Start(args, environment);
        var exitCode = await runner.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(60));
        return new HostResult(exitCode, runner.StandardOutput, runner.StandardError);
    }

    /// <summary>
    /// Completes with the first line (stdout or stderr, already seen or still to come) that matches;
    /// throws <see cref="TimeoutException"/> with the output so far when the backstop expires or
    /// when the process exits without printing one.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var seen = _lines.FirstOrDefault(predicate);
            if (seen is not null)
            {
                return seen;
            }

            _waiters.Add((predicate, done));
        }

        using var cts = new CancellationTokenSource(timeout);
        var exited = _process.WaitForExitAsync(cts.Token);
        var first = await Task.WhenAny(done.Task, exited).ConfigureAwait(false);
        if (first == done.Task)
        {
            return await done.Task.ConfigureAwait(false);
        }

        lock (_gate)
        {
            _waiters.RemoveAll(w => w.Done == done);
        }

        // The process may have printed the line just before exiting: WaitForExitAsync drains output first.
        if (done.Task.IsCompleted)
        {
            return await done.Task.ConfigureAwait(false);
        }

        var why = exited.IsCanceled ? $"no matching line within {timeout}" : $"the process exited with code {_process.ExitCode} without a matching line";
        throw new TimeoutException($"{why}\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}");
    }

    /// <summary>Closes the process's standard input, as the death of a supervisor holding the pipe would.</summary>
    public void CloseStandardInput() => _process.StandardInput.Close();

    /// <summary>Sends a signal with libc kill(2).</summary>
    internal void Signal(UnixSignal signal) => UnixSignals.SendOrThrow(_process.Id, signal);

    /// <summary>Waits for the process to exit and returns its exit code; on timeout kills it and throws with the output so far.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            KillTree();
            throw new TimeoutException($"coordinators did not exit within {timeout}\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}");
        }
    }

    public void Dispose()
    {
        KillTree();
        _process.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void KillTree()
    {
        try
        {
            if (!_process.HasExited)
            {
                // A stopped (SIGSTOP) process still dies from SIGKILL, so this also cleans up paused ones.
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited between the check and the kill.
        }
    }

    private void OnLine(string? line, StringBuilder sink)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource<string>> matched = [];
        lock (_gate)
        {
            sink.AppendLine(line);
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Predicate(line))
                {
                    matched.Add(_waiters[i].Done);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var done in matched)
        {
            done.TrySetResult(line);
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Coordinators.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no Coordinators.sln above {AppContext.BaseDirectory}");
    }
}
