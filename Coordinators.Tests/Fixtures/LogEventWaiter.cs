using Microsoft.Extensions.Logging;

namespace Coordinators.Tests.Fixtures;

/// <summary>Completes <see cref="Logged"/> once an entry with the event id is logged.</summary>
public sealed class LogEventWaiter(int wanted) : ILoggerProvider, ILogger
{
    private readonly TaskCompletionSource _logged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Logged => _logged.Task;

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id == wanted)
        {
            _logged.TrySetResult();
        }
    }

    public void Dispose()
    {
    }
}
