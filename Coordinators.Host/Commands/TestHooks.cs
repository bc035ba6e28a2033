using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Coordinators.Host.Commands;

/// <summary>
/// Test-only fault injection, off unless its environment variable is set. With
/// <c>COORDINATORS_TEST_CRASH_ON_SIGUSR1=1</c>, SIGUSR1 makes <c>coordinators run</c> throw an unhandled exception on a
/// thread of its own: the process dies as a .NET crash does (SIGABRT, exit code 134), so the crash guard tests can
/// show that an unhandled exception fails over as fast as a SIGKILL. Not for production use.
/// </summary>
internal static class TestHooks
{
    public const string CrashOnSigusr1 = "COORDINATORS_TEST_CRASH_ON_SIGUSR1";

    // Kept for the life of the process: disposing the registration restores the default action (terminate).
    private static PosixSignalRegistration? _registration;

    public static void Install(ILogger logger)
    {
        if (Environment.GetEnvironmentVariable(CrashOnSigusr1) != "1")
        {
            return;
        }
        logger.LogWarning("test hook {Variable}=1: SIGUSR1 throws an unhandled exception", CrashOnSigusr1);
        _registration = PosixSignalRegistration.Create((PosixSignal)(int)UnixSignal.SIGUSR1, context =>
        {
            context.Cancel = true;
            new Thread(() => throw new InvalidOperationException($"test hook {CrashOnSigusr1}: unhandled exception on SIGUSR1"))
            {
                IsBackground = true,
                Name = "test-crash",
            }.Start();
        });
    }
}
