using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Kernel;

/// <summary>An actor's <see cref="ILogger"/>: prefixes each entry with the actor path and opens an <c>ActorPath</c> scope.</summary>
internal sealed class ActorLogger(ILogger inner, string path) : ILogger
{
    private readonly KeyValuePair<string, object>[] _scope = [new("ActorPath", path)];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!inner.IsEnabled(logLevel))
        {
            return;
        }
        using (inner.BeginScope(_scope))
        {
            inner.Log(logLevel, eventId, state, exception, (s, e) => "[" + path + "] " + formatter(s, e));
        }
    }
}
