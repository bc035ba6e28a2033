using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Coordinators.Actors.Coordination;
using Coordinators.Actors.Etcd;
using Coordinators.Examples.AkkaSingleton;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// A cluster singleton kept single by EtcdLease. Without --etcd it starts a private etcd (EmbeddedEtcd) and prints
// its URL, so more nodes can join:  akka-singleton --etcd URL --port P2 --seeds 127.0.0.1:P1
ExampleOptions options;
try
{
    options = ExampleOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(ExampleOptions.Usage);
    return 2;
}

EmbeddedEtcd? embedded = null;
var etcdUrl = options.Etcd;
if (etcdUrl is null)
{
    var dir = Path.Combine(Path.GetTempPath(), "akka-singleton-etcd-" + Environment.ProcessId);
    embedded = await EmbeddedEtcd.StartAsync(new EmbeddedEtcdOptions { Directory = dir });
    etcdUrl = embedded.Endpoint;
    Report.Line($"ETCD url={etcdUrl}");
}

try
{
    var lease = new EtcdLeaseOption
    {
        Endpoints = etcdUrl.Split(',', StringSplitOptions.RemoveEmptyEntries),
        Root = options.Root,
        HeartbeatTimeout = options.Ttl,
        HeartbeatInterval = options.Interval,
        OperationTimeout = TimeSpan.FromSeconds(3),
    };
    var node = options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.ClearProviders();
    // stdout carries the protocol lines only; every log goes to stderr.
    builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    builder.Services.AddAkka("singleton-example", (akka, _) =>
    {
        akka.AddHocon(ExampleOptions.ClusterTimings, HoconAddMode.Prepend)
            .ConfigureLoggers(l =>
            {
                l.ClearLoggers();
                l.AddLoggerFactory();
            })
            .WithRemoting("127.0.0.1", options.Port)
            .WithClustering(new ClusterOptions
            {
                SeedNodes = options.Seeds.Select(s => $"akka.tcp://singleton-example@{s}").ToArray(),
                SplitBrainResolver = new KeepMajorityOption(),
            })
            .WithEtcdLease(lease)
            .WithSingleton<FencedWriter>("writer",
                Props.Create(() => new FencedWriter(node, options.Root + "/writes", options.WriteEvery)),
                new ClusterSingletonOptions { LeaseImplementation = lease, LeaseRetryInterval = TimeSpan.FromMilliseconds(500) },
                createProxyToo: false);
    });
    using var host = builder.Build();
    await host.StartAsync();
    var system = host.Services.GetRequiredService<ActorSystem>();
    var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
    Cluster.Get(system).RegisterOnMemberUp(() => Report.Line($"NODE up node={node} pid={Environment.ProcessId}"));
    // Downed by the split-brain resolver (or left): the ActorSystem ends, and so does the process.
    using var onTerminated = system.WhenTerminated.ContinueWith(_ => lifetime.StopApplication(), TaskScheduler.Default);
    // Owned here and never awaited: a read of an open pipe cannot be cancelled, and it ends with the process.
    var stdinWatch = options.StopOnStdinEof ? StopOnStdinEofAsync(lifetime) : Task.CompletedTask;
    await host.WaitForShutdownAsync();
    Report.Line($"NODE exit node={node} stdin-closed={stdinWatch.IsCompleted}");
    return 0;
}
finally
{
    if (embedded is not null)
    {
        await embedded.DisposeAsync();
    }
}

static async Task StopOnStdinEofAsync(IHostApplicationLifetime lifetime)
{
    using var stdin = Console.OpenStandardInput();
    var buffer = new byte[256];
    while (await stdin.ReadAsync(buffer) > 0)
    {
        // Only the end of the pipe matters.
    }
    lifetime.StopApplication();
}
