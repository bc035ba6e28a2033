using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Hosting;

/// <summary>Log events of the composition root (event ids 5450-5499; the duties have 5400-5449).</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(5450, LogLevel.Debug, "{Role}: etcd warm-up read failed (the session makes the same calls with its own retries): {Error}")]
    public static partial void EtcdWarmUpFailed(ILogger logger, string role, string error);

    [LoggerMessage(5451, LogLevel.Debug, "{Role}: JIT warm-up compiled {Methods} methods ({Failed} refused) in {Ms:F0} ms")]
    public static partial void JitWarmedUp(ILogger logger, string role, int methods, int failed, double ms);
}
