using System.Threading.Channels;
using Coordinators.Actors.Election;

namespace Coordinators.Tests.Election;

/// <summary>A coordinator service that reports each warm-up and each start (with its term).</summary>
internal sealed class RecordingCoordinatorService : ICoordinatorService
{
    public Channel<int> WarmUps { get; } = Channel.CreateUnbounded<int>();

    public Channel<long> Starts { get; } = Channel.CreateUnbounded<long>();

    // Warm-ups so far; read by tests that advance virtual time.
    private int _warmUpCount;

    public int WarmUpCount => Volatile.Read(ref _warmUpCount);

    public Task WarmUpAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _warmUpCount);
        WarmUps.Writer.TryWrite(1);
        return Task.CompletedTask;
    }

    public Channel<int> Stops { get; } = Channel.CreateUnbounded<int>();

    // The leadership token of the last start.
    public CancellationToken Leadership { get; private set; }

    /// <summary>When set, each start is recorded at once but completes only when this task does.</summary>
    public Task? StartGate { get; set; }

    public Task StartAsync(long term, IFencedStore store, CancellationToken leadership)
    {
        Leadership = leadership;
        Starts.Writer.TryWrite(term);
        return StartGate ?? Task.CompletedTask;
    }

    /// <summary>When set, every stop fails with it (after being recorded).</summary>
    public Exception? StopError { get; set; }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Stops.Writer.TryWrite(1);
        return StopError is { } error ? Task.FromException(error) : Task.CompletedTask;
    }
}
