namespace Coordinators.Actors.Kernel;

/// <summary>
/// Keyed timers that send a message to the owning actor, driven by the system's <see cref="TimeProvider"/>.
/// Starting a timer with a key that is in use replaces the old timer. Each timer is stamped with a generation,
/// so a message from a timer that was cancelled, replaced, or started before a restart is never delivered, even
/// when it was already queued. All timers are cancelled when the actor stops or restarts.
/// Use it only from the owning actor's handlers.
/// </summary>
public interface ITimerScheduler
{
    /// <summary>Sends <paramref name="message"/> once after <paramref name="delay"/>.</summary>
    void StartSingleTimer(object key, object message, TimeSpan delay);

    /// <summary>Sends <paramref name="message"/> every <paramref name="interval"/>, the first time after one interval.</summary>
    void StartPeriodicTimer(object key, object message, TimeSpan interval);

    /// <summary>Sends <paramref name="message"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/>.</summary>
    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval);

    /// <summary>True while the timer with <paramref name="key"/> may still deliver: a single timer until its message is handled, a periodic one until cancelled.</summary>
    bool IsTimerActive(object key);

    /// <summary>Cancels the timer with <paramref name="key"/>; a message it already queued is dropped. Unknown keys are ignored.</summary>
    void Cancel(object key);

    /// <summary>Cancels every timer of this actor.</summary>
    void CancelAll();
}
