using Etcdserverpb;

namespace Coordinators.Actors.Election;

/// <summary>
/// A coordinator service with last writes to make when its primary resigns cleanly (e.g. rootcoord lowering its
/// persisted timestamp bound to what it really handed out, so the next primary need not wait for the clock).
/// </summary>
public interface IResignWrites
{
    /// <summary>
    /// Stops handing anything out (synchronously: nothing is served after this returns) and returns the writes to add
    /// to the resign Txn, which is fenced by the term.
    /// </summary>
    IReadOnlyList<RequestOp> CloseForResign();
}
