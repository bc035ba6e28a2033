using Coordinators.Actors.Etcd;
using Microsoft.Extensions.Logging;
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

    /// <summary>
    /// Watches the own session key (created at <paramref name="createRevision"/>) for its DELETE through
    /// <see cref="KeyDeleteWatch"/>: a watch resumed below a compaction or cancelled by etcd re-reads the key and watches
    /// on while it is still the one created then (before, the session was given up for it); a DELETE or a key created
    /// anew ends the session.
    /// </summary>
    private static async Task PumpOwnKeyAsync(ISessionStore store, SessionInfo session, string key, long createRevision, int generation, IActorRef self,
        SessionActorSettings settings, ILogger log, CancellationToken ct)
    {
        try
        {
            await KeyDeleteWatch.WaitAsync(
                (from, token) => store.WatchDeleteAsync(key, from, token),
                token => store.GetCreateRevisionAsync(key, token),
                createRevision, createRevision + 1, store.Time, settings.Random,
                (why, from) => SessionLog.OwnKeyWatchResumed(log, session.Role, session.ServerId, why, from),
                ct).ConfigureAwait(false);
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
