using Microsoft.Extensions.Logging;

namespace Coordinators.Actors.Hosting;

/// <summary>Log events of the composition root (event ids 5400-5499).</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(5400, LogLevel.Debug, "{Role}: etcd warm-up read failed (the session makes the same calls with its own retries): {Error}")]
    public static partial void EtcdWarmUpFailed(ILogger logger, string role, string error);

    [LoggerMessage(5401, LogLevel.Debug, "{Role}: JIT warm-up compiled {Methods} methods ({Failed} refused) in {Ms:F0} ms")]
    public static partial void JitWarmedUp(ILogger logger, string role, int methods, int failed, double ms);
}
