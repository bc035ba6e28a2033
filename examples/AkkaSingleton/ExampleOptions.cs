using System.Globalization;
using Coordinators.Actors.Config;

namespace Coordinators.Examples.AkkaSingleton;

/// <summary>Command line of the example; errors name the switch and the bad value.</summary>
public sealed record ExampleOptions
{
    public const string Usage =
        "usage: akka-singleton [--etcd URL[,URL..]] [--port N] [--seeds HOST:PORT[,..]] [--root PREFIX] [--ttl 6s] [--interval 1s] [--write-every 100ms] [--stop-on-stdin-eof]";

    /// <summary>Cluster timings for a quick demonstration on loopback: failures noticed in ~2 s, downed 2 s later.</summary>
    public const string ClusterTimings = """
        akka.cluster.failure-detector.heartbeat-interval = 200ms
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 1500ms
        akka.cluster.split-brain-resolver.stable-after = 2s
        akka.cluster.singleton.min-number-of-hand-over-retries = 5
        akka.remote.retry-gate-closed-for = 500ms
        akka.coordinated-shutdown.exit-clr = off
        """;

    public string? Etcd { get; init; }

    public int Port { get; init; } = 4053;

    public IReadOnlyList<string> Seeds { get; init; } = [];

    public string Root { get; init; } = "akka-singleton-example";

    public TimeSpan Ttl { get; init; } = TimeSpan.FromSeconds(6);

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan WriteEvery { get; init; } = TimeSpan.FromMilliseconds(100);

    public bool StopOnStdinEof { get; init; }

    public static ExampleOptions Parse(IReadOnlyList<string> args)
    {
        var o = new ExampleOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
            o = name switch
            {
                "--etcd" => o with { Etcd = Value() },
                "--port" => o with { Port = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536 ? p : throw new ArgumentException($"--port: got \"{args[i]}\", expected a TCP port 1-65535") },
                "--seeds" => o with { Seeds = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--root" => o with { Root = Value() },
                "--ttl" => o with { Ttl = Time(name, Value()) },
                "--interval" => o with { Interval = Time(name, Value()) },
                "--write-every" => o with { WriteEvery = Time(name, Value()) },
                "--stop-on-stdin-eof" => o with { StopOnStdinEof = true },
                _ => throw new ArgumentException($"unknown argument \"{name}\""),
            };
        }
        return o.Seeds.Count == 0 ? o with { Seeds = ["127.0.0.1:" + o.Port.ToString(CultureInfo.InvariantCulture)] } : o;
    }

    private static TimeSpan Time(string name, string value) =>
        Duration.TryParse(value, out var t) && t > TimeSpan.Zero ? t : throw new ArgumentException($"{name}: got \"{value}\", expected a duration such as 500ms or 6s");
}
