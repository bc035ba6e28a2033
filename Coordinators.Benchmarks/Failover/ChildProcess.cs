using System.Diagnostics;
using System.Threading.Channels;
using Coordinators.Host;

namespace Coordinators.Benchmarks.Failover;

/// <summary>A child process whose stdout lines arrive on a channel with their monotonic arrival time; killed on dispose.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<(string Line, long At)> _lines = Channel.CreateUnbounded<(string, long)>();

    private ChildProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public static ChildProcess Start(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        var process = new Process { StartInfo = psi };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                child._lines.Writer.TryWrite((line, Stopwatch.GetTimestamp()));
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The next stdout line matching <paramref name="predicate"/> and when it arrived.</summary>
    public async Task<(string Line, long At)> WaitLineAsync(Func<string, bool> predicate, TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var item = await _lines.Reader.ReadAsync(cts.Token);
                if (predicate(item.Line))
                {
                    return item;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"pid {Pid}: no matching line within {timeout}");
        }
    }

    /// <summary>Completes when the process has exited; a <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public Task WaitForExitAsync(TimeSpan timeout, CancellationToken ct) => _process.WaitForExitAsync(ct).WaitAsync(timeout, ct);

    public void Signal(UnixSignal signal) => UnixSignals.SendOrThrow(_process.Id, signal);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
