using Akka.Event;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using Coordinators.Actors.Runtime;
using Microsoft.Extensions.Logging;
using ILogger = Microsoft.Extensions.Logging.ILogger;

namespace Coordinators.Tests.Runtime;

/// <summary>The process's ActorSystem on Akka.Hosting: Akka's own log events come out of our ILoggerFactory.</summary>
public sealed class ActorSystemHostTests
{
    [Fact]
    public async Task AkkaLogEvent_HostedAndStandaloneSystems_ReachTheLoggerFactory()
    {
        var hosted = new Capture("marker-hosted");
        using (var factory = LoggerFactory.Create(b => b.AddProvider(hosted)))
        {
            await using var host = await ActorSystemHost.StartAsync("log-bridge", factory);
            host.System.Log.Info("marker-hosted from Akka");
            var (category, level) = await hosted.Seen.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.StartsWith("Akka.", category, StringComparison.Ordinal);
            Assert.Equal(LogLevel.Information, level);
        }

        var standalone = new Capture("marker-standalone");
        using (var factory = LoggerFactory.Create(b => b.AddProvider(standalone)))
        {
            using var system = ActorSystemHost.CreateStandalone("log-bridge-standalone", factory);
            system.Log.Warning("marker-standalone from Akka");
            var (_, level) = await standalone.Seen.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(LogLevel.Warning, level);
            await system.Terminate();
        }
    }

    private sealed class Capture(string marker) : ILoggerProvider
    {
        public TaskCompletionSource<(string Category, LogLevel Level)> Seen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(Capture owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (formatter(state, exception).Contains(owner._marker, StringComparison.Ordinal))
                {
                    owner.Seen.TrySetResult((category, logLevel));
                }
            }
        }

        private readonly string _marker = marker;
    }
}
