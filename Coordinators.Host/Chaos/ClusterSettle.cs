using Coordinators.Host.Demo;

namespace Coordinators.Host.Chaos;

/// <summary>
/// When a fault's window may close: the cluster is whole and nothing in its membership changed (a session, candidate or
/// active key, an epoch, a process's sampled state) for one quiet period. "Whole" alone is not enough: an etcd fault's
/// effects can surface after the cluster looked whole — a leader resumed from SIGSTOP revokes every lease it saw expire
/// during its pause (at TTL 2 s a 2 s pause costs every session, some 30 ms after SIGCONT), and a primary's epoch Txn can
/// land before its active key; a window closed between the two counted an epoch rise without its takeover.
/// </summary>
internal sealed class ClusterSettle
{
    private static readonly HashSet<string> MembershipKinds = new(StringComparer.Ordinal)
    {
        "session-put", "session-del", "candidate-put", "candidate-del", "active-put", "active-del", "epoch", "state",
    };

    private readonly DemoEvents _events;
    private double _lastChangeMs;

    public ClusterSettle(DemoEvents events, TimeSpan quiet)
    {
        _events = events;
        Quiet = quiet;
        _lastChangeMs = events.NowMs;
        events.Added += e =>
        {
            if (MembershipKinds.Contains(e.Kind))
            {
                // Added runs outside the log's lock, so events can arrive out of order: keep the newest.
                for (var seen = Volatile.Read(ref _lastChangeMs); e.AtMs > seen;)
                {
                    var was = Interlocked.CompareExchange(ref _lastChangeMs, e.AtMs, seen);
                    if (was == seen)
                    {
                        break;
                    }
                    seen = was;
                }
            }
        };
    }

    /// <summary>How long nothing may change: one TTL plus etcd's lease-expiry tick (500 ms).</summary>
    public TimeSpan Quiet { get; }

    /// <summary>Demo ms of the newest membership change.</summary>
    public double LastChangeMs => Volatile.Read(ref _lastChangeMs);

    /// <summary>
    /// Whole, and for <see cref="Quiet"/> before <paramref name="nowMs"/> nothing changed and the fault was over (it ended at
    /// <paramref name="faultEndedMs"/>): a paused etcd leader publishes nothing, so a pause looks quiet throughout.
    /// </summary>
    public bool IsSettled(bool whole, double nowMs, double faultEndedMs) =>
        whole && nowMs - Math.Max(LastChangeMs, faultEndedMs) >= Quiet.TotalMilliseconds;

    /// <summary>
    /// Called once the fault is over (resumed, restarted, healed): waits until <paramref name="whole"/> holds and no
    /// membership change happened for <see cref="Quiet"/> since then; re-checks
    /// every 50 ms (the state sampler's period). False after <paramref name="timeout"/>, with the cluster whole or not.
    /// </summary>
    public Task<bool> WaitAsync(Func<bool> whole, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var ended = _events.NowMs;
        return Poll.UntilAsync(() => IsSettled(whole(), _events.NowMs, ended), timeout, cancellationToken);
    }
}
