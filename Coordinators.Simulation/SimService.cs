using Coordinators.Actors.Election;
using Grpc.Core;

namespace Coordinators.Simulation;

/// <summary>
/// The role's service inside a simulated process: as primary it writes through the fenced store it was given
/// every 100-300 ms (client requests), so the model sees writes from every term, including late ones.
/// </summary>
internal sealed class SimService(SimProcess process, SimWorld world) : ICoordinatorService
{
    // The writer of the current term (owned here; it never faults: refusals are counted).
    private Task _writes = Task.CompletedTask;

    public Task Writes => _writes;
    private int _sequence;

    /// <summary>Fenced writes this process had refused (guard or fence).</summary>
    public int Refused { get; private set; }

    public Task WarmUpAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(long term, IFencedStore store, CancellationToken leadership)
    {
        world.Loop.Trace($"p{process.Id} service started with term {term}");
        // A writer of an earlier term ends by itself once its leadership token is cancelled.
        _writes = WriteAsync(term, store, leadership);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        world.Loop.Trace($"p{process.Id} service stopped");
        return Task.CompletedTask;
    }

    private async Task WriteAsync(long term, IFencedStore store, CancellationToken leadership)
    {
        while (process.Alive && !leadership.IsCancellationRequested)
        {
            await world.Net.Sleep(process, world.Loop.Between(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300))).ConfigureAwait(false);
            if (!process.Alive || leadership.IsCancellationRequested)
            {
                return;
            }
            try
            {
                await store.PutAsync(world.Layout.Root + "/data", $"p{process.Id} term {term} #{++_sequence}", CancellationToken.None).ConfigureAwait(false);
            }
            catch (LeadershipLostException e)
            {
                Refused++;
                world.Loop.Trace($"p{process.Id} write refused: {e.Message}");
            }
            catch (RpcException)
            {
                // Unavailable: the client retries with its next request.
            }
        }
    }
}
