using Akka;
using Akka.Actor;
using Coordinators.Actors.Model;

namespace Coordinators.Actors.Election;

/// <summary>
/// Rehearsals: the first takeover and the first resign of a process would otherwise pay for JIT-compiling their
/// whole path (fenced Txn, puts, deletes) on the clock. A standby runs the same Txns once with a compare that can
/// never hold (a key's version is never -1), so etcd executes only the else branch and nothing is written.
/// </summary>
public sealed partial class CoordinatorActor
{
    /// <summary>Runs the rehearsal for the candidacy <paramref name="c"/> (once per actor: its <c>Rehearsed</c> flag).</summary>
    private void Rehearse(Candidacy c)
    {
        var log = Log;
        var role = Role;
        var session = c.LiveSession;
        _store.RehearseAsync(CandidateKeyOf(c), c.Term, _settings.Layout.ActiveKey(Role), _settings.Layout.EpochKey(Role),
                session with { Term = c.Term, Since = _time.GetUtcNow() }, _life.Token)
            .PipeTo(Self, success: () => Done.Instance, failure: e =>
            {
                // A failed rehearsal costs only the warm JIT it was for; say so instead of hiding it.
                ElectionLog.Failed(log, role, session.ServerId, "takeover rehearsal", e.Message);
                return Done.Instance;
            });
    }
}
