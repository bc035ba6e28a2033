using Coordinators.Actors.Hosting;
using Microsoft.Extensions.Logging;

namespace Coordinators.Tests.Runtime;

/// <summary>The JIT warm-up (election.warm-jit): it compiles the library, says so, and stops when cancelled.</summary>
public sealed class JitWarmupTests
{
    [Fact]
    public void Compile_TheLibrary_PreparesEveryMethodWithABody_NoneRefused()
    {
        var (methods, failed, _) = JitWarmup.Compile(typeof(ComponentRuntime).Assembly, CancellationToken.None);

        // The library has thousands of methods (the actors, the etcd client, the services); all of them can be prepared.
        Assert.InRange(methods, 1000, 100_000);
        Assert.Equal(0, failed);
    }

    [Fact]
    public void Compile_Cancelled_StopsBeforeTheFirstType()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => JitWarmup.Compile(typeof(ComponentRuntime).Assembly, cancelled.Token));
    }

    [Fact]
    public async Task RunAsync_LogsHowManyMethods_AndACancelledRunEndsQuietly()
    {
        var logger = new RecordingLogger();
        await JitWarmup.RunAsync(typeof(ComponentRuntime).Assembly, TimeSpan.Zero, logger, "rootcoord", CancellationToken.None);
        var line = Assert.Single(logger.Lines);
        Assert.Matches(@"^rootcoord: JIT warm-up compiled \d{4,} methods \(0 refused\) in \d+ ms$", line);

        using var stop = new CancellationTokenSource();
        await stop.CancelAsync();
        await JitWarmup.RunAsync(typeof(ComponentRuntime).Assembly, TimeSpan.FromMinutes(10), logger, "rootcoord", stop.Token);
        Assert.Single(logger.Lines);
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
            {
                Lines.Add(formatter(state, exception));
            }
        }
    }
}
