using System.Diagnostics;
using System.Text.Json.Nodes;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Model;
using Grpc.Core;

namespace Coordinators.Host.Demo;

/// <summary>A timestamp call that returned: when it was sent and answered (demo ms) and the range it got.</summary>
internal readonly record struct TimestampCall(double SentMs, double DoneMs, ulong First, ulong Last);

/// <summary>A segment write: what was sent, when, and whether it was acknowledged.</summary>
internal sealed record SegmentWrite(double SentMs, bool Acked, string Token, long Id, SegmentState State, long RowCount);

/// <summary>
/// The duties' workload of the demo, beside the Proxy calls: loops that ask the proxy (which forwards to the primaries)
/// for timestamps and IDs, create segments and update their states, through every fault. Each loop owns the segments
/// it created and updates them one call at a time, so what a segment may hold at the end follows from what was sent.
/// </summary>
internal sealed class DutyWorkload(ComponentCalls calls, ClusterView view, DemoEvents events, int loops, TimeSpan interval)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);
    private readonly Lock _lock = new();
    private readonly List<TimestampCall> _timestamps = [];
    private readonly List<(long First, uint Count)> _ids = [];
    private readonly List<SegmentWrite> _creates = [];
    private readonly List<SegmentWrite> _updates = [];
    private int _failed;

    /// <summary>Calls that failed (the invariants are about what returned; these are reported beside them).</summary>
    public int Failed => Volatile.Read(ref _failed);

    public IReadOnlyList<TimestampCall> Timestamps() { lock (_lock) { return [.. _timestamps]; } }

    public IReadOnlyList<(long First, uint Count)> Ids() { lock (_lock) { return [.. _ids]; } }

    public IReadOnlyList<SegmentWrite> Creates() { lock (_lock) { return [.. _creates]; } }

    public IReadOnlyList<SegmentWrite> Updates() { lock (_lock) { return [.. _updates]; } }

    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, loops).Select(i => LoopAsync(i, cancellationToken)));

    /// <summary>The primary's answer to ListSegments through the proxy (after the run, before the children stop).</summary>
    public async Task<IReadOnlyList<Segment>> ListAsync(CancellationToken cancellationToken)
    {
        var proxies = view.Current.SessionsOf(Roles.Proxy);
        var proxy = proxies.Count > 0 ? proxies[0] : throw new DemoFailedException("no proxy to list the segments through");
        var r = await new DataCoord.DataCoordClient(calls.Channel(proxy.Address)).ListSegmentsAsync(new ListSegmentsRequest(),
            new CallOptions(deadline: DateTime.UtcNow + CallTimeout, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return r.Segments;
    }

    private async Task LoopAsync(int loop, CancellationToken cancellationToken)
    {
        var random = new Random(loop + 1);
        var mine = new List<long>();
        var clock = Stopwatch.StartNew();
        var due = TimeSpan.Zero;
        try
        {
            for (var n = 0; !cancellationToken.IsCancellationRequested; n++)
            {
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                due = TimeSpan.FromTicks(Math.Max(due.Ticks, clock.Elapsed.Ticks - interval.Ticks)) + interval;
                var proxies = view.Current.SessionsOf(Roles.Proxy);
                var proxy = proxies.Count > 0 ? proxies[0] : null;
                if (proxy is null)
                {
                    await view.NextChange.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
                var channel = calls.Channel(proxy.Address);
                await OneAsync(channel, loop, n, random, mine, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task OneAsync(Grpc.Net.Client.GrpcChannel channel, int loop, int n, Random random, List<long> mine, CancellationToken cancellationToken)
    {
        var options = new CallOptions(deadline: DateTime.UtcNow + CallTimeout, cancellationToken: cancellationToken);
        var sent = events.NowMs;
        var kind = n % 4;
        SegmentWrite? write = null;
        try
        {
            switch (kind)
            {
                case 0 or 2:
                    var ts = await new RootCoord.RootCoordClient(channel).AllocTimestampAsync(new AllocTimestampRequest { Count = (uint)random.Next(1, 5) }, options).ConfigureAwait(false);
                    lock (_lock)
                    {
                        _timestamps.Add(new TimestampCall(sent, events.NowMs, ts.Timestamp, ts.Timestamp + ts.Count - 1));
                    }
                    break;
                case 1:
                    var ids = await new RootCoord.RootCoordClient(channel).AllocIDAsync(new AllocIDRequest { Count = 10 }, options).ConfigureAwait(false);
                    lock (_lock)
                    {
                        _ids.Add((ids.First, ids.Count));
                    }
                    break;
                default:
                    if (mine.Count == 0 || random.Next(2) == 0)
                    {
                        var token = $"w{loop}-{n}";
                        write = new SegmentWrite(sent, false, token, 0, SegmentState.Growing, random.Next(1, 1000));
                        var created = await new DataCoord.DataCoordClient(channel).CreateSegmentAsync(
                            new CreateSegmentRequest { CollectionId = 1 + loop, RowCount = write.RowCount, Token = token }, options).ConfigureAwait(false);
                        mine.Add(created.Segment.Id);
                        write = write with { Acked = true, Id = created.Segment.Id };
                    }
                    else
                    {
                        var id = mine[random.Next(mine.Count)];
                        write = new SegmentWrite(sent, false, string.Empty, id, (SegmentState)random.Next(1, 5), random.Next(1000, 100_000));
                        await new DataCoord.DataCoordClient(channel).UpdateSegmentStateAsync(
                            new UpdateSegmentStateRequest { Id = id, State = write.State, RowCount = write.RowCount }, options).ConfigureAwait(false);
                        write = write with { Acked = true };
                    }
                    break;
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Cut short by the end of the run: sent, outcome unknown (recorded as unacknowledged below).
        }
        catch (RpcException e)
        {
            if (Interlocked.Increment(ref _failed) <= 50)
            {
                events.Add("duty-call-failed", null, new JsonObject { ["kind"] = kind, ["sentMs"] = Math.Round(sent, 1), ["error"] = $"{e.StatusCode}: {e.Status.Detail}" });
            }
        }
        if (write is not null)
        {
            lock (_lock)
            {
                (write.Token.Length > 0 ? _creates : _updates).Add(write);
            }
        }
    }
}
