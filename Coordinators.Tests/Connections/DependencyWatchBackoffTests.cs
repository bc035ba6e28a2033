using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Coordinators.Actors.Connections;
using Coordinators.Actors.Etcd;
using Coordinators.Tests.Fixtures;
using Microsoft.Extensions.Logging;
using Coordinators.Actors.Model;
using Xunit.Abstractions;

namespace Coordinators.Tests.Connections;

/// <summary>
/// A dependency watch that etcd keeps refusing is retried with a backoff, not at round-trip speed. The refusals come
/// from a real etcd with auth; the backoff timers run on Akka's TestScheduler, so virtual time decides each retry.
/// </summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class DependencyWatchBackoffTests(ITestOutputHelper output)
    : TestKit(Coordinators.Actors.Runtime.ActorSystemHost.BaseHocon + "\nakka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"", output)
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(10);

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    [Fact]
    public async Task AddDependency_PermissionDeniedOnTheSessions_EachRetryWaitsItsDoublingBackoff()
    {
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions { EnableAuth = true });
        await cluster.AddPrefixUserAsync("app", "app-pw", "app/");
        using var etcd = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls, Username = "app", Password = "app-pw" });
        var failures = new WatchFailureCounter();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(failures));
        await using var cm = new ConnectionManager(etcd, new ConnectionManagerOptions { Layout = new EtcdLayout("denied"), LoggerFactory = loggers }, Sys);

        // The sessions prefix is outside the user's permission: every Range fails PermissionDenied. The call waits
        // for the first successful Range, which never comes; it is owned by the test and cancelled at the end.
        using var stop = new CancellationTokenSource();
        var adding = cm.AddDependencyAsync(Roles.QueryNode, cancellationToken: stop.Token);
        await AwaitConditionAsync(() => Task.FromResult(failures.Count == 1), Backstop);

        // Backoff 100, 200, 400, 800 ms (+ up to 20 % jitter), on the virtual clock: the test advances it 10 ms at a
        // time until the next refusal arrives, and the virtual time that took must match the announced backoff
        // (a few steps over, for the real round trip of the Range the timer starts).
        var step = TimeSpan.FromMilliseconds(10);
        for (var n = 1; n <= 4; n++)
        {
            var announced = failures.Delays[n - 1];
            var min = 100 * Math.Pow(2, n - 1);
            Assert.InRange(announced, min, (min * 1.2) + 1);
            var advanced = TimeSpan.Zero;
            var seen = n;
            await AwaitConditionAsync(() =>
            {
                if (failures.Count > seen)
                {
                    return Task.FromResult(true);
                }
                Scheduler.Advance(step);
                advanced += step;
                return Task.FromResult(false);
            }, Backstop, TimeSpan.FromMilliseconds(20));
            Assert.InRange(advanced.TotalMilliseconds, announced - 1, announced + 60);
        }

        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => adding);
        Assert.Equal(5, failures.Count);
    }

    private sealed class WatchFailureCounter : ILoggerProvider, ILogger
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        // The delay each failure announced ("again in N ms"), in order.
        public System.Collections.Concurrent.ConcurrentQueue<double> DelayQueue { get; } = new();

        public double[] Delays => [.. DelayQueue];

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 3005)
            {
                var text = formatter(state, exception);
                var match = System.Text.RegularExpressions.Regex.Match(text, @"again in (\d+) ms");
                DelayQueue.Enqueue(match.Success ? double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : double.NaN);
                Interlocked.Increment(ref _count);
            }
        }

        public void Dispose()
        {
        }
    }
}
