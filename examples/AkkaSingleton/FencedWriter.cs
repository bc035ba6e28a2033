using Akka.Actor;
using Akka.Coordination;
using Coordinators.Actors.Coordination;
using Coordinators.Actors.Election;

namespace Coordinators.Examples.AkkaSingleton;

/// <summary>
/// The cluster singleton of the example: it takes the fencing token of the lease its manager acquired and makes a
/// fenced write every few milliseconds (a new key per write, so etcd keeps every write that succeeded). A refused
/// write means a newer term exists: the instance stops itself.
/// </summary>
public sealed class FencedWriter : ReceiveActor, IWithTimers
{
    private readonly string _node;
    private readonly string _writesPrefix;
    private readonly TimeSpan _every;
    // The fenced store of the acquisition this instance runs under; null if the lease was not held at start.
    private IFencedStore? _store;
    private long _seq;
    // One write at a time: a tick while a write is in flight is skipped.
    private bool _inFlight;

    public FencedWriter(string node, string writesPrefix, TimeSpan every)
    {
        _node = node;
        _writesPrefix = writesPrefix;
        _every = every;
        Receive<Tick>(_ => Write());
        Receive<Written>(OnWritten);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        var lease = EtcdLease.ForSingleton(Context);
        try
        {
            _store = lease.Fenced();
        }
        catch (LeaseException e)
        {
            Report.Line($"SINGLETON refused node={_node} reason=\"{e.Message}\"");
            Context.Stop(Self);
            return;
        }
        Report.Line($"SINGLETON started node={_node} term={_store.Term}");
        Timers.StartPeriodicTimer("write", Tick.Instance, _every);
    }

    protected override void PostStop() =>
        Report.Line($"SINGLETON stopped node={_node} term={_store?.Term ?? 0} writes={_seq}");

    private void Write()
    {
        if (_inFlight || _store is null)
        {
            return;
        }
        _inFlight = true;
        var seq = ++_seq;
        var term = _store.Term;
        _store.PutAsync($"{_writesPrefix}/{term:D12}/{_node}-{seq:D8}", $"{_node} {term} {seq}")
            .ContinueWith(t => new Written(term, seq, t.Exception?.GetBaseException()), TaskScheduler.Default)
            .PipeTo(Self);
    }

    private void OnWritten(Written w)
    {
        _inFlight = false;
        if (w.Error is null)
        {
            Report.Line($"WRITE ok node={_node} term={w.Term} seq={w.Seq}");
            return;
        }
        Report.Line($"WRITE refused node={_node} term={w.Term} seq={w.Seq} reason=\"{w.Error.Message}\"");
        if (w.Error is LeadershipLostException)
        {
            Context.Stop(Self);
        }
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Written(long Term, long Seq, Exception? Error);
}

/// <summary>The example's stdout protocol: one line per event, with the wall-clock time in Unix milliseconds.</summary>
public static class Report
{
    public static void Line(string text) =>
        Console.Out.WriteLine($"{text} at={DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}");
}
