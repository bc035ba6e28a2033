using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Coordinators.Simulation;

/// <summary>
/// The simulation's one thread of control: the virtual time (ticks since the seed started), the one seeded
/// <see cref="Random"/> every choice comes from, the queue of pending events, and the trace (the last lines kept
/// for a violation report, every line hashed for the determinism check).
/// </summary>
internal sealed class SimLoop
{
    private readonly PriorityQueue<Action, (long Time, long Seq)> _events = new();
    private readonly Queue<string> _recent = new();
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Action<string>? _sink;
    private long _seq;

    public SimLoop(int seed, int keepLines, Action<string>? sink = null)
    {
        _sink = sink;
        Random = new Random(seed);
        KeepLines = keepLines;
    }

    /// <summary>Virtual time in ticks since the start of the seed.</summary>
    public long Now { get; private set; }

    public Random Random { get; }

    public int KeepLines { get; }

    /// <summary>The first trace line written from another thread than the simulator's, with its stack; null while none was.</summary>
    public string? ForeignThread { get; private set; }

    /// <summary>Lines traced so far.</summary>
    public long TraceLines { get; private set; }

    public static long Ticks(TimeSpan span) => span.Ticks;

    /// <summary>Schedules <paramref name="action"/> <paramref name="delay"/> ticks from now (events of one instant run in the order scheduled).</summary>
    public void After(long delay, Action action)
    {
        if (Environment.CurrentManagedThreadId != _thread)
        {
            // Recorded too: the exception may be swallowed by whatever task ran this on the other thread.
            ForeignThread ??= $"an event scheduled from thread {Environment.CurrentManagedThreadId}: {Environment.StackTrace}";
            throw new InvalidOperationException($"the simulation was entered from thread {Environment.CurrentManagedThreadId}, not its own ({_thread}): {Environment.StackTrace}");
        }
        _events.Enqueue(action, (Now + Math.Max(0, delay), _seq++));
    }

    private readonly int _thread = Environment.CurrentManagedThreadId;

    public void After(TimeSpan delay, Action action) => After(delay.Ticks, action);

    /// <summary>The time of the next event, or long.MaxValue.</summary>
    public long NextEventTime => _events.TryPeek(out _, out var key) ? key.Time : long.MaxValue;

    /// <summary>Moves the clock to <paramref name="time"/> (never back).</summary>
    public void MoveTo(long time) => Now = Math.Max(Now, time);

    /// <summary>Runs every event due by now, including those they schedule for now.</summary>
    public int RunDue()
    {
        var ran = 0;
        while (_events.TryPeek(out _, out var key) && key.Time <= Now)
        {
            _events.Dequeue()();
            ran++;
        }
        return ran;
    }

    /// <summary>A uniformly random duration in [min, max] ticks.</summary>
    public long Between(TimeSpan min, TimeSpan max) => min.Ticks + (long)(Random.NextDouble() * (max.Ticks - min.Ticks));

    public bool Chance(double p) => Random.NextDouble() < p;

    /// <summary>Appends a trace line (prefixed with the virtual time) to the hash and the recent lines.</summary>
    public void Trace(string line)
    {
        if (Environment.CurrentManagedThreadId != _thread)
        {
            // Something of a process ran on another thread: the seed no longer fixes the run. Reported by the world's next step.
            ForeignThread ??= $"'{line}' traced from thread {Environment.CurrentManagedThreadId}: {Environment.StackTrace}";
            return;
        }
        var text = string.Create(CultureInfo.InvariantCulture, $"{Now / (double)TimeSpan.TicksPerMillisecond,10:F3}ms {line}");
        _hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        TraceLines++;
        _sink?.Invoke(text);
        _recent.Enqueue(text);
        if (_recent.Count > KeepLines)
        {
            _recent.Dequeue();
        }
    }

    public IReadOnlyList<string> RecentLines => [.. _recent];

    /// <summary>The SHA-256 of every trace line so far, first 16 hex digits.</summary>
    public string TraceHash() => Convert.ToHexStringLower(_hash.GetCurrentHash())[..16];
}
