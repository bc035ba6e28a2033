using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Akka.Actor;
using Coordinators.Actors.Runtime;

namespace Coordinators.Benchmarks;

/// <summary>
/// Akka.NET (with the project's actor-system settings) against raw System.Threading.Channels doing the same
/// exchange: ping-pong between two parties and fan-in from 8 senders to one receiver. Prints messages/s for each
/// and the ratio Akka/baseline. Usage: <c>actors [messages-per-sender=1000000] [rounds=5] [throughput=default]</c>.
/// </summary>
internal sealed class ActorsBenchmark : IBenchmark
{
    private const int Senders = 8;

    // The HOCON every benchmark actor system starts with; the throughput argument adds to it.
    private static string _hocon = ActorSystemHost.BaseHocon;

    public string Name => "actors";

    public string Description => "Akka.NET vs raw Channels: ping-pong and 8-to-1 fan-in (messages/s, ratio)";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var perSender = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var roundTrips = perSender / 4;
        var throughput = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 30;
        _hocon = ActorSystemHost.BaseHocon + $"\nakka.loglevel = WARNING\nakka.actor.default-dispatcher.throughput = {throughput}";
        Console.WriteLine($"cores={Environment.ProcessorCount} throughput={throughput} fan-in={Senders}x{perSender} ping-pong={roundTrips} round trips, best of {rounds}");

        // A first short pass of everything warms up the JIT (tiered compilation) and the thread pool.
        await PingPongAkka(roundTrips / 10);
        await PingPongChannels(roundTrips / 10);
        await FanInAkka(perSender / 10);
        await FanInChannels(perSender / 10);

        var pingAkka = await Best(rounds, () => PingPongAkka(roundTrips), cancellationToken);
        var pingChannels = await Best(rounds, () => PingPongChannels(roundTrips), cancellationToken);
        var fanAkka = await Best(rounds, () => FanInAkka(perSender), cancellationToken);
        var fanChannels = await Best(rounds, () => FanInChannels(perSender), cancellationToken);

        Report("ping-pong", 2L * roundTrips, pingAkka, pingChannels);
        Report("fan-in 8->1", (long)Senders * perSender, fanAkka, fanChannels);
        return 0;
    }

    private static void Report(string name, long messages, TimeSpan akka, TimeSpan baseline)
    {
        var akkaRate = messages / akka.TotalSeconds;
        var baselineRate = messages / baseline.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-12} akka {akkaRate,12:N0} msg/s   channels {baselineRate,12:N0} msg/s   ratio {akkaRate / baselineRate:0.00}"));
    }

    private static async Task<TimeSpan> Best(int rounds, Func<Task<TimeSpan>> run, CancellationToken cancellationToken)
    {
        var best = TimeSpan.MaxValue;
        for (var i = 0; i < rounds && !cancellationToken.IsCancellationRequested; i++)
        {
            var elapsed = await run();
            best = elapsed < best ? elapsed : best;
        }
        return best;
    }

    private static readonly object Ball = new();

    private static async Task<TimeSpan> PingPongAkka(int roundTrips)
    {
        using var system = ActorSystem.Create("bench", _hocon);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ponger = system.ActorOf(Props.Create(() => new Ponger()));
        var pinger = system.ActorOf(Props.Create(() => new Pinger(ponger, roundTrips, done)));
        var watch = Stopwatch.StartNew();
        pinger.Tell(Ball);
        await done.Task;
        return watch.Elapsed;
    }

    private static async Task<TimeSpan> PingPongChannels(int roundTrips)
    {
        var toPonger = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        var toPinger = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        var watch = Stopwatch.StartNew();
        var ponger = Task.Run(async () =>
        {
            await foreach (var m in toPonger.Reader.ReadAllAsync())
            {
                toPinger.Writer.TryWrite(m);
            }
        });
        var pinger = Task.Run(async () =>
        {
            toPonger.Writer.TryWrite(Ball);
            var left = roundTrips;
            await foreach (var m in toPinger.Reader.ReadAllAsync())
            {
                if (--left == 0)
                {
                    break;
                }
                toPonger.Writer.TryWrite(m);
            }
            toPonger.Writer.Complete();
        });
        await Task.WhenAll(pinger, ponger);
        return watch.Elapsed;
    }

    private static async Task<TimeSpan> FanInAkka(int perSender)
    {
        using var system = ActorSystem.Create("bench", _hocon);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var receiver = system.ActorOf(Props.Create(() => new Counter((long)Senders * perSender, done)));
        using var start = new ManualResetEventSlim();
        var senders = Enumerable.Range(0, Senders).Select(_ => Task.Factory.StartNew(() =>
        {
            start.Wait();
            for (var i = 0; i < perSender; i++)
            {
                receiver.Tell(Ball);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        var watch = Stopwatch.StartNew();
        start.Set();
        await Task.WhenAll(senders);
        await done.Task;
        return watch.Elapsed;
    }

    private static async Task<TimeSpan> FanInChannels(int perSender)
    {
        var channel = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        var total = (long)Senders * perSender;
        using var start = new ManualResetEventSlim();
        var senders = Enumerable.Range(0, Senders).Select(_ => Task.Factory.StartNew(() =>
        {
            start.Wait();
            for (var i = 0; i < perSender; i++)
            {
                channel.Writer.TryWrite(Ball);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        var reader = Task.Run(async () =>
        {
            long count = 0;
            while (count < total && await channel.Reader.WaitToReadAsync())
            {
                while (channel.Reader.TryRead(out _))
                {
                    count++;
                }
            }
        });
        var watch = Stopwatch.StartNew();
        start.Set();
        await Task.WhenAll(senders);
        await reader;
        return watch.Elapsed;
    }

    private sealed class Pinger : ReceiveActor
    {
        public Pinger(IActorRef ponger, int roundTrips, TaskCompletionSource done)
        {
            var left = roundTrips;
            Receive<object>(m =>
            {
                if (Sender.Equals(ponger) && --left == 0)
                {
                    done.SetResult();
                    return;
                }
                ponger.Tell(m, Self);
            });
        }
    }

    private sealed class Ponger : ReceiveActor
    {
        public Ponger() => Receive<object>(m => Sender.Tell(m, Self));
    }

    private sealed class Counter : ReceiveActor
    {
        public Counter(long total, TaskCompletionSource done)
        {
            long count = 0;
            Receive<object>(_ =>
            {
                if (++count == total)
                {
                    done.SetResult();
                }
            });
        }
    }
}
