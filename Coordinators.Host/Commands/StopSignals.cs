using System.Runtime.InteropServices;

namespace Coordinators.Host.Commands;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM taken as a request to stop cleanly: <c>using var signals = new StopSignals(s => ...);</c>.
/// Without it the runtime ends the process at once, before a primary resigns or children are stopped. A process
/// started with SIGINT ignored (a background job of a script, nohup) keeps ignoring it, as Unix programs do.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    /// <summary>Calls <paramref name="onStop"/> with the signal, on the runtime's signal thread, once per signal received.</summary>
    public StopSignals(Action<PosixSignal> onStop)
    {
        void Handle(PosixSignalContext context)
        {
            context.Cancel = true;
            onStop(context.Signal);
        }
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
    }
}
