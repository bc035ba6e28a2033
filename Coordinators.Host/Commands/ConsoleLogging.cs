using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Coordinators.Host.Commands;

/// <summary>The console logging of long-running commands: one line per event, millisecond timestamps.</summary>
internal static class ConsoleLogging
{
    public static ILoggerFactory Create(LogLevel level = LogLevel.Information) =>
        LoggerFactory.Create(builder => builder
            .SetMinimumLevel(level)
            .AddFilter("Microsoft", LogLevel.Warning)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            }));
}
