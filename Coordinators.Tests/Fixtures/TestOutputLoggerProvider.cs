using System.Collections.Concurrent;
using Xunit.Abstractions;
using Microsoft.Extensions.Logging;

namespace Coordinators.Tests.Fixtures;

/// <summary>
/// Writes log entries to the xunit test output, so a failing test shows what its actors did, and keeps each
/// formatted message in <see cref="Messages"/> for tests that assert something was logged.
/// </summary>
public sealed class TestOutputLoggerProvider(ITestOutputHelper output, LogLevel minimum = LogLevel.Debug) : ILoggerProvider
{
    private volatile bool _disposed;

    public ILogger CreateLogger(string categoryName) => new OutputLogger(this, categoryName);

    /// <summary>Every message logged so far, as "Level: text", in order.</summary>
    public ConcurrentQueue<string> Messages { get; } = new();

    public void Dispose() => _disposed = true;

    private void Write(string line)
    {
        if (_disposed)
        {
            return;
        }
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test already finished; xunit rejects late output and there is nobody left to read it.
        }
    }

    private sealed class OutputLogger(TestOutputLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var shortCategory = category[(category.LastIndexOf('.') + 1)..];
            provider.Messages.Enqueue($"{logLevel}: {formatter(state, exception)}");
            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {shortCategory}: {formatter(state, exception)}";
            provider.Write(exception is null ? line : line + Environment.NewLine + exception);
        }
    }

    private readonly LogLevel _minimum = minimum;
}
