using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Host.Demo;

/// <summary>What one process said about itself, and when the question was sent and answered (demo ms).</summary>
internal sealed record StateSample(string Role, long ServerId, int Pid, string State, long Term, double SentMs, double ReceivedMs);

/// <summary>
/// One process to ask: its address and role, and the ServerID the question names (0: whoever listens there).
/// </summary>
internal sealed record SampleTarget(string Address, string Role, long ServerId);

/// <summary>
/// Asks every coordinator process for its state every 50 ms (nodes every 500 ms) with GetComponentStates,
/// records each change of state, and checks the single-primary invariant: a primary of an older term must
/// never report Healthy after a primary of a newer term of the same role already did. (The answer's moment
/// lies between send and receive, so a violation is counted only when the older term's question was sent
/// after the newer term's answer came back: proven overlap, not a race of the sampler.)
/// </summary>
internal sealed class StateSampler
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMilliseconds(300);
    private const int NodeEvery = 10;

    private readonly ComponentCalls _calls;
    private readonly ClusterView _view;
    private readonly DemoEvents _events;
    // ServerID -> the call in flight to it; a process that hangs (SIGSTOP) gets no second question meanwhile.
    private readonly ConcurrentDictionary<(string Address, long ServerId), Task> _inFlight = new();
    // Address -> the ServerID that last answered there, for targets that name none (0).
    private readonly ConcurrentDictionary<string, long> _serverAt = new(StringComparer.Ordinal);
    private readonly Func<IEnumerable<SampleTarget>> _targets;
    // ServerID -> its last sampled state, for change events and the final check.
    private readonly ConcurrentDictionary<long, StateSample> _latest = new();
    // role -> term -> (earliest answer Healthy, latest question answered Healthy); guarded by _gate.
    private readonly Dictionary<string, Dictionary<long, (double FirstReceived, double LastSent, long ServerId)>> _healthy = new(StringComparer.Ordinal);
    private readonly List<string> _violations = [];
    private readonly Lock _gate = new();
    private long _samples;

    /// <summary>
    /// Asks the processes <paramref name="targets"/> names each period; by default every session the etcd view
    /// holds, under its own ServerID.
    /// </summary>
    public StateSampler(ComponentCalls calls, ClusterView view, DemoEvents events, Func<IEnumerable<SampleTarget>>? targets = null)
    {
        _calls = calls;
        _view = view;
        _events = events;
        _targets = targets ?? (() => _view.Current.Sessions.Values.Select(s => new SampleTarget(s.Address, s.Role, s.ServerId)));
    }

    /// <summary>Raised with every answer (and every failed question), on the sampling task.</summary>
    public event Action<StateSample>? Sampled;

    /// <summary>How many answers arrived.</summary>
    public long SampleCount => Interlocked.Read(ref _samples);

    /// <summary>The last answer of each process, by ServerID.</summary>
    public IReadOnlyDictionary<long, StateSample> Latest => _latest;

    /// <summary>How many samples proved an overlap (the list keeps the first 20).</summary>
    public int ViolationCount { get; private set; }

    /// <summary>Every proven overlap of two primaries, as sentences.</summary>
    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_gate)
            {
                return [.. _violations];
            }
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Period);
        var tick = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var withNodes = tick++ % NodeEvery == 0;
                foreach (var target in _targets())
                {
                    if (!withNodes && !Roles.IsCoordinator(target.Role))
                    {
                        continue;
                    }
                    var key = (target.Address, target.ServerId);
                    if (_inFlight.TryGetValue(key, out var pending) && !pending.IsCompleted)
                    {
                        continue;
                    }
                    _inFlight[key] = SampleAsync(target.ServerId, target.Role, target.Address, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        await Task.WhenAll(_inFlight.Values).ConfigureAwait(false);
    }

    private async Task SampleAsync(long serverId, string role, string address, CancellationToken cancellationToken)
    {
        var sent = _events.NowMs;
        ComponentStates states;
        try
        {
            states = await _calls.StatesAsync(address, serverId, CallTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or HttpRequestException or IOException or OperationCanceledException)
        {
            var known = serverId != 0 ? serverId : _serverAt.GetValueOrDefault(address);
            if (!cancellationToken.IsCancellationRequested && known != 0)
            {
                Record(new StateSample(role, known, _latest.GetValueOrDefault(known)?.Pid ?? 0, "Unreachable", 0, sent, _events.NowMs));
            }
            return;
        }
        _serverAt[address] = states.ServerId;
        Record(new StateSample(states.Role, states.ServerId, states.Pid, Name(states.State), states.Term, sent, _events.NowMs));
    }

    private void Record(StateSample sample)
    {
        Interlocked.Increment(ref _samples);
        Sampled?.Invoke(sample);
        var previous = _latest.GetValueOrDefault(sample.ServerId);
        _latest[sample.ServerId] = sample;
        if (previous is null || previous.State != sample.State || previous.Term != sample.Term)
        {
            _events.Add("state", null, new JsonObject
            {
                ["role"] = sample.Role, ["serverId"] = sample.ServerId, ["pid"] = sample.Pid, ["state"] = sample.State,
                ["term"] = sample.Term, ["sentMs"] = Math.Round(sample.SentMs, 1),
            });
        }
        if (sample.State == "Healthy" && Roles.IsCoordinator(sample.Role))
        {
            CheckSinglePrimary(sample);
        }
    }

    private void CheckSinglePrimary(StateSample s)
    {
        lock (_gate)
        {
            if (!_healthy.TryGetValue(s.Role, out var terms))
            {
                _healthy[s.Role] = terms = [];
            }
            var entry = terms.TryGetValue(s.Term, out var e) ? e : (FirstReceived: s.ReceivedMs, LastSent: s.SentMs, s.ServerId);
            if (entry.ServerId != s.ServerId)
            {
                AddViolation($"{s.Role}: servers {entry.ServerId} and {s.ServerId} both reported Healthy with term {s.Term}");
            }
            terms[s.Term] = (Math.Min(entry.FirstReceived, s.ReceivedMs), Math.Max(entry.LastSent, s.SentMs), entry.ServerId);
            foreach (var (term, other) in terms)
            {
                if (term > s.Term && s.SentMs > other.FirstReceived)
                {
                    AddViolation($"{s.Role}: server {s.ServerId} (term {s.Term}) reported Healthy at {s.SentMs:F0} ms, after server {other.ServerId} (term {term}) did at {other.FirstReceived:F0} ms");
                }
                else if (term < s.Term && other.LastSent > s.ReceivedMs)
                {
                    AddViolation($"{s.Role}: server {other.ServerId} (term {term}) reported Healthy at {other.LastSent:F0} ms, after server {s.ServerId} (term {s.Term}) did at {s.ReceivedMs:F0} ms");
                }
            }
        }
    }

    // Caller holds _gate. One overlap yields a violation per sample; keep the first few to read.
    private void AddViolation(string text)
    {
        if (_violations.Count < 20)
        {
            _violations.Add(text);
        }
        ViolationCount++;
    }

    private static string Name(Actors.Components.Proto.StateCode code) => code switch
    {
        Actors.Components.Proto.StateCode.Initializing => "Initializing",
        Actors.Components.Proto.StateCode.Healthy => "Healthy",
        Actors.Components.Proto.StateCode.Abnormal => "Abnormal",
        Actors.Components.Proto.StateCode.StandBy => "StandBy",
        Actors.Components.Proto.StateCode.Stopping => "Stopping",
        _ => code.ToString(),
    };
}
