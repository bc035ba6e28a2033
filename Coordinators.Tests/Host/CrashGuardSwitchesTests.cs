using Coordinators.Host.Commands;

namespace Coordinators.Tests.Host;

public sealed class CrashGuardSwitchesTests
{
    [Fact]
    public void ChildArguments_AddsPipeGuardAndStdinEof()
    {
        var args = CrashGuardSwitches.ChildArguments(["run", "--role", "rootcoord", "--crash-guard"], "7", 42);
        Assert.Equal(["run", "--role", "rootcoord", "--crash-guard", "--stop-on-stdin-eof", "--crash-guard-pipe", "7", "--crash-guard-pid", "42"], args);
    }

    [Fact]
    public void ChildArguments_StdinEofAlreadyGiven_NotRepeated()
    {
        var args = CrashGuardSwitches.ChildArguments(["run", "--stop-on-stdin-eof", "--crash-guard"], "9", 1);
        Assert.Single(args, a => a == "--stop-on-stdin-eof");
    }

    [Theory]
    [InlineData(0, "exit code 0 (clean stop)")]
    [InlineData(137, "exit code 137 (killed by SIGKILL)")]
    [InlineData(134, "exit code 134 (killed by SIGABRT)")]
    [InlineData(3, "exit code 3")]
    [InlineData(128, "exit code 128")]
    public void DescribeExit_NamesTheSignalOf128PlusN(int code, string expected) =>
        Assert.Equal(expected, CrashGuardSwitches.DescribeExit(code));

    [Fact]
    public void RestartDelay_DoublesFrom100MsAndStopsAt10s()
    {
        Assert.Equal([100, 200, 400, 800], Enumerable.Range(0, 4).Select(i => CrashGuard.RestartDelay(i).TotalMilliseconds));
        Assert.Equal(TimeSpan.FromSeconds(10), CrashGuard.RestartDelay(7));
        Assert.Equal(TimeSpan.FromSeconds(10), CrashGuard.RestartDelay(int.MaxValue));
    }

    [Fact]
    public void LeaseLine_ParsesBack()
    {
        var line = CrashGuardChild.Line("datacoord", 12, 0x694da231bb12e5bd).TrimEnd('\n');
        Assert.True(GuardedChild.TryParse(line, out var lease));
        Assert.Equal(new ReportedLease("datacoord", 12, 0x694da231bb12e5bd), lease);
    }

    [Theory]
    [InlineData("lease role=x serverId=1")]
    [InlineData("lease role=x serverId=one lease=2")]
    [InlineData("hello role=x serverId=1 lease=2")]
    [InlineData("lease role= serverId=1 lease=2")]
    public void LeaseLine_Malformed_Rejected(string line) => Assert.False(GuardedChild.TryParse(line, out _));
}
