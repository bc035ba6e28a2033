using Coordinators.Tests.Etcd;
using Coordinators.Actors.Components;
using Coordinators.Actors.Hosting;
using Coordinators.Actors.Config;
using Coordinators.Actors.Connections.Nodes;
using Coordinators.Actors.Connections;
using Coordinators.Actors.Sessions;
using Coordinators.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Components;

/// <summary>A node's uniform start-up with the ConnectionManager's Dependencies stage, in-process on a real etcd.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class NodeStartupTests(EtcdSingleFixture etcd) : IClassFixture<EtcdSingleFixture>
{
    [Fact]
    public async Task ProxyStart_DependenciesBeforeSessionBeforeHealthy_StopRunsInReverse()
    {
        var layout = EtcdSingleFixture.NewLayout();
        var options = new CoordinatorsOptions { Root = layout.Root, Etcd = new EtcdOptions { Endpoints = etcd.Cluster.ClientUrls }, Session = new SessionOptions { Ttl = TimeSpan.FromSeconds(2) } };
        var runtime = new ComponentRuntime(Roles.Proxy, options, NullLoggerFactory.Instance, etcd.Client);
        var connections = runtime.Host.UseConnectionManager(etcd.Client, ConnectionManagerOptions.From(options));
        var steps = new List<string>();
        var states = new List<StateCode>();
        runtime.Host.StateChanged += s =>
        {
            lock (states)
            {
                if (states.Count == 0 || states[^1] != s.State)
                {
                    states.Add(s.State);
                }
            }
        };
        // Probes between the standard stages record what is true at each point of the sequence.
        runtime.Host.AddStage("probe-after-server", 150, _ => Record(steps, $"150 server={runtime.Host.Address != string.Empty} serverId={runtime.Host.ServerId}"), _ => Record(steps, "stop 150"));
        runtime.Host.AddStage("probe-after-deps", 250, async ct =>
        {
            var dependencies = (await etcd.Client.GetPrefixAsync(layout.SessionPrefix, cancellationToken: ct)).Kvs.Count;
            await Record(steps, $"250 deps={connections.GetAllClients(Roles.RootCoord).Count} serverId={runtime.Host.ServerId} sessions={dependencies} state={runtime.Host.State}");
        }, _ => Record(steps, "stop 250"));
        runtime.Host.AddStage("probe-after-session", 350, _ => Record(steps, $"350 serverId>0={runtime.Host.ServerId > 0} state={runtime.Host.State}"), _ => Record(steps, "stop 350"));

        Assert.Equal(StateCode.Initializing, runtime.Host.State);
        await runtime.StartAsync();
        Assert.Equal(StateCode.Healthy, runtime.Host.State);
        var session = await etcd.Client.GetAsync(layout.SessionKey(Roles.Proxy, runtime.Host.ServerId));
        Assert.Single(session.Kvs);
        await runtime.DisposeAsync();

        Assert.Equal(
            ["150 server=True serverId=0", "250 deps=0 serverId=0 sessions=0 state=Initializing", "350 serverId>0=True state=Initializing", "stop 350", "stop 250", "stop 150"],
            steps);
        Assert.Equal([StateCode.Initializing, StateCode.Healthy, StateCode.Stopping], states);
    }

    private static Task Record(List<string> steps, string step)
    {
        lock (steps)
        {
            steps.Add(step);
        }
        return Task.CompletedTask;
    }
}
