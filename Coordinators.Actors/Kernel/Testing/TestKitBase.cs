namespace Coordinators.Actors.Kernel.Testing;

/// <summary>
/// The framework-neutral core of an actor test: a fresh <see cref="ActorSystem"/>, probes, and polling
/// assertions. A test framework's base class (e.g. the xunit <c>TestKit</c> in Coordinators.Tests) derives from it
/// and routes logs to the test output; demos may use it directly.
/// </summary>
public class TestKitBase : IAsyncDisposable
{
    private int _probeCount;
    private TestProbe? _testActor;

    /// <summary>Creates the system the test runs in.</summary>
    /// <param name="options">System options; pass a <see cref="ManualTimeProvider"/> in them to drive timers by hand.</param>
    /// <param name="systemName">The system's name, "test" by default.</param>
    /// <param name="defaultTimeout">How long expectations wait by default (5 s: a backstop, not a pace).</param>
    public TestKitBase(ActorSystemOptions? options = null, string? systemName = null, TimeSpan? defaultTimeout = null)
    {
        DefaultTimeout = defaultTimeout ?? TimeSpan.FromSeconds(5);
        Sys = ActorSystem.Create(systemName ?? "test", options);
    }

    /// <summary>The system under test.</summary>
    public ActorSystem Sys { get; }

    /// <summary>How long expectations wait by default.</summary>
    public TimeSpan DefaultTimeout { get; }

    /// <summary>A probe made on first use, handy as the one sender/recipient of a simple test.</summary>
    public TestProbe TestActor => _testActor ??= CreateTestProbe("testActor");

    /// <summary>Creates a new probe in this test's system.</summary>
    public TestProbe CreateTestProbe(string? name = null) =>
        new(Sys, name ?? "probe" + Interlocked.Increment(ref _probeCount).ToString(System.Globalization.CultureInfo.InvariantCulture), DefaultTimeout);

    /// <summary>
    /// Runs <paramref name="assertion"/> until it stops throwing or <paramref name="duration"/> passes, then rethrows
    /// its last exception. For state that converges without a message to wait on.
    /// </summary>
    public Task AwaitAssertAsync(Action assertion, TimeSpan? duration = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        return AwaitAssertAsync(() =>
        {
            assertion();
            return Task.CompletedTask;
        }, duration, interval);
    }

    /// <summary>
    /// Runs the asynchronous <paramref name="assertion"/> (e.g. one that Asks an actor) until it stops throwing or
    /// <paramref name="duration"/> passes, then rethrows its last exception.
    /// </summary>
    public async Task AwaitAssertAsync(Func<Task> assertion, TimeSpan? duration = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        var deadline = DateTime.UtcNow + (duration ?? DefaultTimeout);
        var pause = interval ?? TimeSpan.FromMilliseconds(20);
        while (true)
        {
            try
            {
                await assertion().ConfigureAwait(false);
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(pause).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing with <paramref name="message"/> after <paramref name="duration"/>.</summary>
    public async Task AwaitConditionAsync(Func<bool> condition, TimeSpan? duration = null, string? message = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = duration ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new TestKitAssertionException(message ?? $"condition not met within {limit.TotalMilliseconds:0} ms");
            }
            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Terminates the system, waiting up to the default timeout.</summary>
    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Terminates the system; derived classes may add their own clean-up.</summary>
    protected virtual async ValueTask DisposeAsyncCore()
    {
        try
        {
            await Sys.Terminate().WaitAsync(DefaultTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // An actor stuck in an async handler must not hang the test run; the failure is in that test's own assertions.
        }
    }
}
