using Coordinators.Actors.Connections;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Sessions;
using Coordinators.Tests.Fixtures;
using Microsoft.Extensions.Logging;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Connections;

/// <summary>A dependency watch that etcd keeps refusing is retried with a backoff, not at round-trip speed.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class DependencyWatchBackoffTests
{
    [Fact]
    public async Task AddDependency_PermissionDeniedOnTheSessions_RetriesBackOff()
    {
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions { EnableAuth = true });
        await cluster.AddPrefixUserAsync("app", "app-pw", "app/");
        using var etcd = new EtcdClient(new EtcdClientOptions { Endpoints = cluster.ClientUrls, Username = "app", Password = "app-pw" });
        var failures = new WatchFailureCounter();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(failures));
        await using var cm = new ConnectionManager(etcd, new ConnectionManagerOptions { Layout = new EtcdLayout("denied"), LoggerFactory = loggers });

        // The sessions prefix is outside the user's permission: every Range fails PermissionDenied.
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cm.AddDependencyAsync(Roles.QueryNode, cancellationToken: wait.Token));

        // 100, 200, 400, 800 ms... (+20 % jitter): a handful in 2 s. Without a backoff it was one per round trip (hundreds).
        Assert.InRange(failures.Count, 2, 8);
    }

    private sealed class WatchFailureCounter : ILoggerProvider, ILogger
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 3005)
            {
                Interlocked.Increment(ref _count);
            }
        }

        public void Dispose()
        {
        }
    }
}
