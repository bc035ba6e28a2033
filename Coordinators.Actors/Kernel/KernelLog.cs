using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Kernel;

/// <summary>The kernel's log messages, with stable event ids (1000-1099).</summary>
internal static partial class KernelLog
{
    [LoggerMessage(1000, LogLevel.Error, "actor {Path} failed handling {MessageType}; supervisor directive: {Directive}")]
    public static partial void ActorFailed(ILogger logger, Exception exception, string path, string messageType, Directive directive);

    [LoggerMessage(1001, LogLevel.Error, "actor {Path} failed to start and is stopped")]
    public static partial void InitializationFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(1002, LogLevel.Warning, "actor {Path} reached its restart limit ({MaxRetries} within {Window}) and is stopped")]
    public static partial void RestartLimitReached(ILogger logger, string path, int maxRetries, TimeSpan window);

    [LoggerMessage(1003, LogLevel.Error, "{Hook} of actor {Path} threw")]
    public static partial void HookFailed(ILogger logger, Exception exception, string path, string hook);

    [LoggerMessage(1004, LogLevel.Warning, "actor {Path} failed while stopping; the failure is ignored")]
    public static partial void FailureWhileStopping(ILogger logger, Exception exception, string path);

    [LoggerMessage(1005, LogLevel.Error, "the supervisor decider of {Path} threw; the actor is stopped")]
    public static partial void DeciderFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(1006, LogLevel.Critical, "mailbox run of {Path} failed in the kernel")]
    public static partial void MailboxRunFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(1007, LogLevel.Debug, "dead letter to {Recipient}: {MessageType} from {Sender}")]
    public static partial void DeadLetter(ILogger logger, string recipient, string messageType, string sender);

    [LoggerMessage(1008, LogLevel.Debug, "actor {Path} did not handle {MessageType}")]
    public static partial void Unhandled(ILogger logger, string path, string messageType);

    [LoggerMessage(1009, LogLevel.Error, "event stream subscriber failed on {EventType}")]
    public static partial void SubscriberFailed(ILogger logger, Exception exception, string eventType);

    [LoggerMessage(1010, LogLevel.Information, "backoff supervisor {Path} restarts its child in {Delay} (restart {Count})")]
    public static partial void BackoffRestart(ILogger logger, string path, TimeSpan delay, int count);
}
