using Coordinators.Actors.Etcd;
using Akka.Actor;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Sessions;

/// <summary>The background readers of a live session; they only translate etcd streams into messages.</summary>
public sealed partial class SessionActor
{
    private static async Task PumpKeepAliveAsync(ISessionKeepAlive keepAlive, int generation, IActorRef self, SessionActorSettings settings, TimeProvider time, GenerationBox current, AckClock acks)
    {
        try
        {
            await foreach (var e in keepAlive.Events.ReadAllAsync().ConfigureAwait(false))
            {
                switch (e)
                {
                    case LeaseAcknowledged ack:
                        // Recorded here, not in the actor, so the guard is fresh even when the mailbox is busy.
                        if (current.Value == generation)
                        {
                            settings.Guard.Acknowledged(ack.SentTimestamp);
                        }
                        Telemetry.KeepAliveRoundTrip.Record(
                            time.GetElapsedTime(ack.SentTimestamp, ack.ReceivedTimestamp).TotalSeconds,
                            Telemetry.RoleTag(settings.Role));
                        acks.Acknowledged(ack.ReceivedTimestamp);
                        break;
                    case LeaseLost lost:
                        self.Tell(new LeaseEnded(generation, $"{lost.Reason}: {lost.Detail}"));
                        return;
                }
            }
            self.Tell(new LeaseEnded(generation, "the keep-alive stopped"));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            self.Tell(new LeaseEnded(generation, e.Message));
        }
    }

    private static async Task PumpOwnKeyAsync(ISessionStore store, string key, long fromRevision, int generation, IActorRef self, CancellationToken ct)
    {
        try
        {
            await store.WatchDeleteAsync(key, fromRevision, ct).ConfigureAwait(false);
            self.Tell(new OwnKeyDeleted(generation));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The session ended; nothing to report.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            self.Tell(new OwnKeyWatchFailed(generation, e));
        }
    }
}
