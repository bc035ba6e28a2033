using Coordinators.Actors.Components;
using Akka;
using Akka.Actor;
using Coordinators.Actors.Sessions;

namespace Coordinators.Actors.Election;

/// <summary>Stopping: the clean resign of a SIGTERM/SIGINT.</summary>
public sealed partial class CoordinatorActor
{
    // Who asked to resign; answered with Done when the keys are gone.
    private IActorRef? _resignReplyTo;
    // The phase the resign started from, for its transition line.
    private CoordinatorPhase _stoppingFrom;

    private void StartStopping()
    {
        Trigger();
        _resignReplyTo = Sender;
        _stoppingFrom = _phase;
        var wasPrimary = _phase == CoordinatorPhase.Primary;
        // Stop serving before anything else (requests are refused from here on), then send the resign Txn at once:
        // it is what the next candidate waits for. Cancelling the token and the watch runs callbacks, so it comes after.
        SetHostState(StateCode.Stopping, "resigning");
        // A primary's service stops handing out here, and its last fenced writes ride on the resign Txn.
        IReadOnlyList<Etcdserverpb.RequestOp> also = wasPrimary && _settings.Service is IResignWrites writes ? writes.CloseForResign() : [];
        var resign = _session is null ? Task.CompletedTask : ResignAsync(wasPrimary ? _term : 0, also);
        EndLeadership();
        Transition(CoordinatorPhase.Stopping, "clean stop", Stopping, log: false);
        resign.PipeTo(Self, success: () => new ResignFinished(null), failure: e => new ResignFinished(e));
    }

    private async Task ResignAsync(long term, IReadOnlyList<Etcdserverpb.RequestOp> also)
    {
        using var cts = new CancellationTokenSource(_settings.Options.Election.ResignTimeout);
        // One Txn: the active key (fenced by the term) and the candidate key go together, so the next candidate's
        // watch fires at once; the service is stopped after, as its writes are already fenced out.
        await _store.ResignAsync(_settings.Layout.ActiveKey(Role), CandidateKey, term, also, cts.Token).ConfigureAwait(false);
        await _settings.Service.StopAsync(cts.Token).ConfigureAwait(false);
    }

    private void Stopping()
    {
        Receive<ResignFinished>(m =>
        {
            var why = m.Error is null ? "resigned: keys deleted" : "resign failed: " + m.Error.Message;
            LogTransition(_stoppingFrom, CoordinatorPhase.Stopping, why);
            _resignReplyTo?.Tell(Done.Instance, Self);
            _resignReplyTo = null;
            Become(Stopped);
            Stash.UnstashAll();
        });
        Receive<Resign>(_ => Stash.Stash());
        ReceiveAny(_ => { });
    }

    private void Stopped()
    {
        Receive<Resign>(_ => Sender.Tell(Done.Instance, Self));
        ReceiveAny(_ => { });
    }
}
