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
    private bool _rehearsed;

    private void RehearseOnce()
    {
        if (_rehearsed || _session is null)
        {
            return;
        }
        _rehearsed = true;
        var log = Log;
        var role = Role;
        var serverId = _session.ServerId;
        RehearseAsync(_session with { Term = _term, Since = _time.GetUtcNow() })
            .PipeTo(Self, success: () => Done.Instance, failure: e =>
            {
                // A failed rehearsal costs only the warm JIT it was for; say so instead of hiding it.
                ElectionLog.Failed(log, role, serverId, "takeover rehearsal", e.Message);
                return Done.Instance;
            });
    }

    private Task RehearseAsync(SessionInfo active) =>
        _store.RehearseAsync(CandidateKey, _term, _settings.Layout.ActiveKey(Role), _settings.Layout.EpochKey(Role), active, _life.Token);
}
