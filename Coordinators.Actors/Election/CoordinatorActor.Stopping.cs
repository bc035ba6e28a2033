using Coordinators.Actors.Components;
using Akka;
using Akka.Actor;
using Coordinators.Actors.Sessions;

namespace Coordinators.Actors.Election;

/// <summary>Stopping: the clean resign of a SIGTERM/SIGINT.</summary>
public sealed partial class CoordinatorActor
{
    private void StartStopping(CoordinatorState from)
    {
        Trigger();
        var c = from.Candidacy;
        var wasPrimary = from is PrimaryState;
        // Stop serving before anything else (requests are refused from here on), then send the resign Txn at once:
        // it is what the next candidate waits for. Cancelling the token and the watch runs callbacks (leaving the
        // behaviour releases them), so that comes after.
        SetHostState(StateCode.Stopping, "resigning");
        // A primary's service stops handing out here, and its last fenced writes ride on the resign Txn.
        IReadOnlyList<Etcdserverpb.RequestOp> also = wasPrimary && _settings.Service is IResignWrites writes ? writes.CloseForResign() : [];
        var resign = c.Session is null ? Task.CompletedTask : ResignAsync(CandidateKeyOf(c), wasPrimary ? c.Term : 0, also);
        Transition(new StoppingState(c, Sender, from.Phase), "clean stop", Stopping, log: false);
        resign.PipeTo(Self, success: () => new ResignFinished(null), failure: e => new ResignFinished(e));
    }

    private async Task ResignAsync(string candidateKey, long term, IReadOnlyList<Etcdserverpb.RequestOp> also)
    {
        // On the actor's clock, as every other timeout (virtual in tests and the simulator).
        using var cts = new CancellationTokenSource(_settings.Options.Election.ResignTimeout, _time);
        // One Txn: the active key (fenced by the term) and the candidate key go together, so the next candidate's
        // watch fires at once; the service is stopped after, as its writes are already fenced out.
        await _store.ResignAsync(_settings.Layout.ActiveKey(Role), candidateKey, term, also, cts.Token).ConfigureAwait(false);
        await _settings.Service.StopAsync(cts.Token).ConfigureAwait(false);
    }

    private void Stopping(StoppingState state)
    {
        Receive<ResignFinished>(m =>
        {
            var why = m.Error is null ? "resigned: keys deleted" : "resign failed: " + m.Error.Message;
            LogTransition(state.From, CoordinatorPhase.Stopping, why, state.Candidacy);
            state.ReplyTo?.Tell(Done.Instance, Self);
            Stay(state with { ReplyTo = null }, Stopped);
            Stash.UnstashAll();
        });
        Receive<Resign>(_ => Stash.Stash());
        ReceiveAny(_ => { });
    }

    private void Stopped(StoppingState state)
    {
        Receive<Resign>(_ => Sender.Tell(Done.Instance, Self));
        ReceiveAny(_ => { });
    }
}
