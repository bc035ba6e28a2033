using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Coordinators.Actors.Kernel;

namespace Coordinators.Benchmarks;

/// <summary>
/// The actor kernel against raw System.Threading.Channels doing the same exchange: ping-pong between two
/// parties and fan-in from 8 senders to one receiver. Prints messages/s for each and the ratio kernel/baseline.
/// Usage: <c>kernel [messages-per-sender=1000000] [rounds=5] [throughput=default]</c>.
/// </summary>
internal sealed class KernelBenchmark : IBenchmark
{
    private const int Senders = 8;

    private static ActorSystemOptions _options = new();

    public string Name => "kernel";

    public string Description => "actor kernel vs raw Channels: ping-pong and 8-to-1 fan-in (messages/s, ratio)";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var perSender = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var roundTrips = perSender / 4;
        var defaults = new ActorSystemOptions();
        _options = args.Length > 2 ? new ActorSystemOptions { Throughput = int.Parse(args[2], CultureInfo.InvariantCulture) } : defaults;
        Console.WriteLine($"cores={Environment.ProcessorCount} throughput={_options.Throughput} fan-in={Senders}x{perSender} ping-pong={roundTrips} round trips, best of {rounds}");

        // A first short pass of everything warms up the JIT (tiered compilation) and the thread pool.
        await PingPongKernel(roundTrips / 10);
        await PingPongChannels(roundTrips / 10);
        await FanInKernel(perSender / 10);
        await FanInChannels(perSender / 10);

        var pingKernel = await Best(rounds, () => PingPongKernel(roundTrips), cancellationToken);
        var pingChannels = await Best(rounds, () => PingPongChannels(roundTrips), cancellationToken);
        var fanKernel = await Best(rounds, () => FanInKernel(perSender), cancellationToken);
        var fanChannels = await Best(rounds, () => FanInChannels(perSender), cancellationToken);

        Report("ping-pong", 2L * roundTrips, pingKernel, pingChannels);
        Report("fan-in 8->1", (long)Senders * perSender, fanKernel, fanChannels);
        var ratio = fanChannels.TotalSeconds / fanKernel.TotalSeconds;
        Console.WriteLine(ratio >= 0.5 ? $"fan-in target met: ratio {ratio:0.00} >= 0.5" : $"fan-in target MISSED: ratio {ratio:0.00} < 0.5");
        return 0;
    }

    private static void Report(string name, long messages, TimeSpan kernel, TimeSpan baseline)
    {
        var kernelRate = messages / kernel.TotalSeconds;
        var baselineRate = messages / baseline.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-12} kernel {kernelRate,12:N0} msg/s   channels {baselineRate,12:N0} msg/s   ratio {kernelRate / baselineRate:0.00}"));
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

    private static async Task<TimeSpan> PingPongKernel(int roundTrips)
    {
        await using var system = ActorSystem.Create("bench", _options);
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

    private static async Task<TimeSpan> FanInKernel(int perSender)
    {
        await using var system = ActorSystem.Create("bench", _options);
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

    private sealed class Pinger : Actor
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

    private sealed class Ponger : Actor
    {
        public Ponger() => Receive<object>(m => Sender.Tell(m, Self));
    }

    private sealed class Counter : Actor
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
