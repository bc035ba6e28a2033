using Akka;
using Akka.Actor;

namespace Coordinators.Actors.Sessions;

/// <summary>
/// The clean stop (<see cref="ShutdownSession"/>): every child resigns (each told <see cref="Resign"/>, answering
/// <see cref="Done"/>, bounded by the resign timeout on a named timer), then the lease is revoked and the keep-alive and
/// watch end; everyone who asked is answered <see cref="Done"/>. All of it by messages, so the mailbox stays open and the
/// whole stop runs on the actor's scheduler (Akka's Ask would complete on the thread pool and time out on the wall clock).
/// </summary>
public sealed partial class SessionActor
{
    private const string ResignTimerKey = "resign-timeout";
    // Null until a shutdown is asked for; then who to answer and which children have not resigned yet.
    private ShutdownProgress? _shutdown;

    private void OnShutdown(ShutdownSession _)
    {
        if (_shutdown is { } running)
        {
            if (running.Finished)
            {
                Sender.Tell(Done.Instance, Self);
            }
            else
            {
                running.ReplyTo.Add(Sender);
            }
            return;
        }
        _stopping = true;
        Timers.CancelAll();
        _shutdown = new ShutdownProgress([Sender], [.. _children]);
        if (_children.Count == 0)
        {
            CloseSession();
            return;
        }
        foreach (var child in _children)
        {
            child.Tell(Resign.Instance, Self);
        }
        Timers.StartSingleTimer(ResignTimerKey, ResignTimedOut.Instance, _settings.Options.Election.ResignTimeout);
    }

    private bool IsResigning(IActorRef sender) => _shutdown is { } s && s.Resigning.Contains(sender);

    private void OnChildResigned(IActorRef child)
    {
        var shutdown = _shutdown!;
        shutdown.Resigning.Remove(child);
        if (shutdown.Resigning.Count == 0)
        {
            Timers.Cancel(ResignTimerKey);
            CloseSession();
        }
    }

    private void OnResignTimedOut()
    {
        if (_shutdown is not { Resigning.Count: > 0 } shutdown)
        {
            return;
        }
        foreach (var child in shutdown.Resigning)
        {
            SessionLog.ResignTimedOut(Log, _settings.Role, child.Path.ToString(), _settings.Options.Election.ResignTimeout.TotalMilliseconds);
        }
        shutdown.Resigning.Clear();
        CloseSession();
    }

    private void CloseSession()
    {
        if (_live is not { } live)
        {
            Finish();
            return;
        }
        _live = null;
        _generation.Value++;
        _settings.Guard.Reset();
        var t0 = _time.GetTimestamp();
        CloseLiveAsync(live).PipeTo(Self, success: () => new SessionClosed(live.Session, t0, null), failure: e => new SessionClosed(live.Session, t0, e));
    }

    private void OnSessionClosed(SessionClosed closed)
    {
        var s = closed.Session;
        if (closed.Error is { } error)
        {
            SessionLog.CloseFailed(Log, s.Role, s.ServerId, s.LeaseId, error.Message);
        }
        else
        {
            SessionLog.Closed(Log, s.Role, s.ServerId, s.LeaseId, _time.GetElapsedTime(closed.StartedAt).TotalMilliseconds);
        }
        Host.SetSession(0, 0, "session closed");
        Finish();
    }

    private void Finish()
    {
        var shutdown = _shutdown!;
        shutdown.Finished = true;
        foreach (var replyTo in shutdown.ReplyTo)
        {
            replyTo.Tell(Done.Instance, Self);
        }
        shutdown.ReplyTo.Clear();
    }

    /// <summary>A shutdown under way: who asked (answered when it is finished) and the children still resigning.</summary>
    private sealed class ShutdownProgress(List<IActorRef> replyTo, HashSet<IActorRef> resigning)
    {
        public List<IActorRef> ReplyTo { get; } = replyTo;

        public HashSet<IActorRef> Resigning { get; } = resigning;

        public bool Finished { get; set; }
    }
}
