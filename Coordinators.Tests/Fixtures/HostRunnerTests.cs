namespace Coordinators.Tests.Fixtures;

[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class HostRunnerTests
{
    private static readonly TimeSpan _backstop = TimeSpan.FromSeconds(30);

    private static char State(int pid) => ProcFs.State(pid) ?? throw new InvalidOperationException($"no process {pid}");

    [Fact]
    public async Task Signals_StopContinueTerminate_ReachTheProcess()
    {
        // A shell that announces itself, then waits in `read` on stdin, which the runner keeps open.
        await using var process = HostRunner.StartProcess("/bin/sh", ["-c", "echo ready $$; read line"]);
        var ready = await process.WaitForLineAsync(l => l.StartsWith("ready ", StringComparison.Ordinal), _backstop);
        Assert.Equal($"ready {process.ProcessId}", ready);

        // Signal delivery is asynchronous: spin on the process state, with a backstop.
        process.Signal(UnixSignal.SIGSTOP);
        Assert.True(SpinWait.SpinUntil(() => State(process.ProcessId) == 'T', _backstop));
        process.Signal(UnixSignal.SIGCONT);
        Assert.True(SpinWait.SpinUntil(() => State(process.ProcessId) != 'T', _backstop));

        process.Signal(UnixSignal.SIGTERM);
        Assert.Equal(128 + (int)UnixSignal.SIGTERM, await process.WaitForExitAsync(_backstop));
    }

    [Fact]
    public async Task WaitForLine_ProcessExitsWithoutTheLine_ThrowsWithTheOutput()
    {
        await using var process = HostRunner.StartProcess("/bin/sh", ["-c", "echo one; echo two >&2; exit 3"]);
        var e = await Assert.ThrowsAsync<TimeoutException>(() => process.WaitForLineAsync(l => l == "never", _backstop));
        Assert.Equal("the process exited with code 3 without a matching line\n--- stdout ---\none\n\n--- stderr ---\ntwo\n", e.Message);
    }

    [Fact]
    public void Dispose_RunningProcess_KillsIt()
    {
        int pid;
        using (var process = HostRunner.StartProcess("/bin/sh", ["-c", "read line"]))
        {
            pid = process.ProcessId;
            Assert.True(Directory.Exists($"/proc/{pid}"));
        }

        Assert.False(Directory.Exists($"/proc/{pid}") && State(pid) != 'Z');
    }
}
