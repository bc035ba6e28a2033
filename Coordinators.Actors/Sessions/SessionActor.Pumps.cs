using Coordinators.Actors.Etcd;
using Grpc.Core;
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
    /// Watches the own session key (created at <paramref name="createRevision"/>) for its DELETE. A watch that resumed
    /// after a broken stream from a revision etcd has compacted since (a key that never changes leaves the watch's
    /// revision behind), or one etcd cancelled for another reason (no leader, a permission change), says nothing about
    /// the key: it is read, and while it is still the one created then, watched from the read's revision + 1, as etcd's
    /// waitDelete does. Before, the session was given up for it. Cancels in a row back off (100 ms doubling to 5 s; a
    /// watch that lived 5 s resets the count) so a watch etcd keeps refusing does not spin; a DELETE or a key created
    /// anew ends the session as before.
    /// </summary>
    private static async Task PumpOwnKeyAsync(ISessionStore store, SessionInfo session, string key, long createRevision, int generation, IActorRef self,
        SessionActorSettings settings, ILogger log, CancellationToken ct)
    {
        try
        {
            var from = createRevision + 1;
            var cancels = 0;
            while (true)
            {
                var watchedAt = store.Time.GetTimestamp();
                try
                {
                    await store.WatchDeleteAsync(key, from, ct).ConfigureAwait(false);
                    break;
                }
                catch (Exception e) when (e is EtcdCompactedException or EtcdWatchCanceledException)
                {
                    if (store.Time.GetElapsedTime(watchedAt) >= TimeSpan.FromSeconds(5))
                    {
                        // A watch that ran a while before its cancel is not a refusal in a row: the next wait starts short.
                        cancels = 0;
                    }
                    if (e is EtcdWatchCanceledException)
                    {
                        var delay = Backoff.Delay(Math.Min(cancels++, 6), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), 0.2, settings.Random.NextDouble());
                        await Backoff.WaitAsync(delay, store.Time, ct).ConfigureAwait(false);
                    }
                    var read = await ReadOwnKeyAsync(store, key, settings.Random, ct).ConfigureAwait(false);
                    if (read.CreateRevision != createRevision)
                    {
                        break;
                    }
                    SessionLog.OwnKeyWatchResumed(log, session.Role, session.ServerId, e.Message, read.Revision + 1);
                    from = read.Revision + 1;
                }
            }
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

    /// <summary>
    /// Reads the own key, retrying while etcd is unreachable (100 ms doubling to 1 s): an outage longer than the TTL
    /// ends the session through the keep-alive, which cancels this.
    /// </summary>
    private static async Task<KeyRevisions> ReadOwnKeyAsync(ISessionStore store, string key, Random random, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await store.GetCreateRevisionAsync(key, ct).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && !ct.IsCancellationRequested)
            {
                var delay = Backoff.Delay(Math.Min(attempt, 4), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), 0.2, random.NextDouble());
                await Backoff.WaitAsync(delay, store.Time, ct).ConfigureAwait(false);
            }
        }
    }
}
