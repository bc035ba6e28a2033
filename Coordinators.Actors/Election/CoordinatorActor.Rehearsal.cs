using Coordinators.Actors.Etcd;
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

    private async Task RehearseAsync(SessionInfo active)
    {
        var never = Cmp.Version(CandidateKey) == -1;
        var store = new FencedStore(_settings.Etcd, CandidateKey, _term);
        var activeKey = _settings.Layout.ActiveKey(Role);
        var epochKey = _settings.Layout.EpochKey(Role);
        await store.GetAsync(epochKey).ConfigureAwait(false);
        await store.TxnAsync([never, Cmp.ModRevision(epochKey) == 0], [Op.Put(epochKey, "0")], [Op.Get(epochKey)]).ConfigureAwait(false);
        await store.TxnAsync([never], [Op.Put(activeKey, active.ToJson(), active.LeaseId)]).ConfigureAwait(false);
        await _settings.Etcd.Txn().If(never).Then(Op.Delete(activeKey), Op.Delete(CandidateKey)).Else(Op.Get(CandidateKey)).CommitAsync().ConfigureAwait(false);
    }
}
