using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Coordinators.Host.Commands;

/// <summary>
/// The console log of the long-running commands: one line per event, either for people (the default) or, with
/// <c>--log-format json</c>, one JSON object per line for log shippers (Microsoft.Extensions.Logging's JSON console
/// formatter: Timestamp, EventId, LogLevel, Category, Message and the event's fields under State — e.g. Role,
/// ServerId and Term of every election transition). Akka's own events come through the same factory.
/// </summary>
internal static class ConsoleLogging
{
    /// <summary>The human-readable format.</summary>
    public const string Console = "console";

    /// <summary>One JSON object per line.</summary>
    public const string Json = "json";

    /// <summary>The <c>--log-format</c> option.</summary>
    public static Option<string> CreateOption()
    {
        var option = new Option<string>("--log-format")
        {
            Description = "console (one readable line per event) or json (one JSON object per line, for log shippers)",
            HelpName = "FORMAT",
            DefaultValueFactory = _ => Console,
        };
        option.AcceptOnlyFromAmong(Console, Json);
        return option;
    }

    public static ILoggerFactory Create(string format = Console, LogLevel level = LogLevel.Information) =>
        LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(level).AddFilter("Microsoft", LogLevel.Warning);
            if (format == Json)
            {
                builder.AddJsonConsole(o =>
                {
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                    o.JsonWriterOptions = new JsonWriterOptions { Indented = false };
                });
                return;
            }
            builder.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        });
}
