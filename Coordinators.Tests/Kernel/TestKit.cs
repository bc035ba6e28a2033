using Xunit.Abstractions;
using Coordinators.Actors.Kernel;
using Coordinators.Actors.Kernel.Testing;
using Microsoft.Extensions.Logging;

namespace Coordinators.Tests.Kernel;

/// <summary>
/// Base class of actor tests: each test gets its own <see cref="ActorSystem"/> whose logs go to the test's
/// output, and the system is terminated when the test ends. Pass a <see cref="ManualTimeProvider"/> to drive
/// timers by hand.
/// </summary>
public abstract class TestKit : TestKitBase, IAsyncLifetime
{
    private readonly ILoggerFactory _loggerFactory;

    protected TestKit(ITestOutputHelper output, TimeProvider? timeProvider = null)
        : this(output, timeProvider, CreateLoggerFactory(output))
    {
    }

    private TestKit(ITestOutputHelper output, TimeProvider? timeProvider, ILoggerFactory loggerFactory)
        : base(new ActorSystemOptions { TimeProvider = timeProvider ?? TimeProvider.System, LoggerFactory = loggerFactory })
    {
        Output = output;
        _loggerFactory = loggerFactory;
    }

    protected ITestOutputHelper Output { get; }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        _loggerFactory.Dispose();
    }

    private static ILoggerFactory CreateLoggerFactory(ITestOutputHelper output) =>
        LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new TestOutputLoggerProvider(output)));
}
