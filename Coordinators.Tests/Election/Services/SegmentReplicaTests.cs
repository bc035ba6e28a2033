using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Config;
using Coordinators.Actors.Connections;
using Coordinators.Actors.Election.Services;
using Coordinators.Actors.Model;
using Coordinators.Tests.Etcd;
using Coordinators.Tests.Fixtures;
using Xunit.Abstractions;

namespace Coordinators.Tests.Election.Services;

/// <summary>datacoord's warm standby against real etcd and real processes.</summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SegmentReplicaTests(EtcdSingleFixture etcd, ITestOutputHelper output) : IClassFixture<EtcdSingleFixture>
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task StandbyReplica_RandomWritesAndFailovers_EqualsEtcd()
    {
        var root = EtcdSingleFixture.Prefix() + "c";
        var layout = new EtcdLayout(root);
        await using var rootCoord = await CoordinatorProcess.StartAsync(Roles.RootCoord, etcd.Cluster.ClientUrls, root);
        var dataCoords = new List<CoordinatorProcess>
        {
            await CoordinatorProcess.StartAsync(Roles.DataCoord, etcd.Cluster.ClientUrls, root),
            await CoordinatorProcess.StartAsync(Roles.DataCoord, etcd.Cluster.ClientUrls, root),
        };
        // A standby's replica in this process, fed only by etcd, beside the standby processes' own.
        await using var observer = new DataCoordService(etcd.Client, layout, new DataCoordOptions());
        await observer.WarmUpAsync(CancellationToken.None);
        try
        {
            await using var connections = new ConnectionManager(etcd.Client, new ConnectionManagerOptions { Layout = layout });
            await connections.AddDependencyAsync(Roles.DataCoord);
            var random = new Random(13);
            var created = new List<long>();
            var signals = new[] { UnixSignal.SIGTERM, UnixSignal.SIGKILL, UnixSignal.SIGTERM };
            for (var round = 0; round < 4; round++)
            {
                for (var i = 0; i < 40; i++)
                {
                    var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(15));
                    if (created.Count == 0 || random.Next(3) > 0)
                    {
                        var r = await connections.CallPrimaryAsync(Roles.DataCoord, (c, o) => new DataCoord.DataCoordClient(c).CreateSegmentAsync(
                            new CreateSegmentRequest { CollectionId = random.Next(1, 4), RowCount = random.Next(1000), Token = $"t{round}-{i}" }, o), options);
                        created.Add(r.Segment.Id);
                    }
                    else
                    {
                        var id = created[random.Next(created.Count)];
                        await connections.CallPrimaryAsync(Roles.DataCoord, (c, o) => new DataCoord.DataCoordClient(c).UpdateSegmentStateAsync(
                            new UpdateSegmentStateRequest { Id = id, State = (SegmentState)random.Next(1, 5), RowCount = random.Next(100_000) }, o), options);
                    }
                }
                if (round < signals.Length)
                {
                    var active = await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, Roles.DataCoord, _ => true, Backstop);
                    var victim = dataCoords.Single(p => p.Runner.ProcessId == active.Pid);
                    victim.Runner.Signal(signals[round]);
                    await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, Roles.DataCoord, s => s.Pid != victim.Runner.ProcessId, Backstop);
                    dataCoords.Remove(victim);
                    await victim.DisposeAsync();
                    dataCoords.Add(await CoordinatorProcess.StartAsync(Roles.DataCoord, etcd.Cluster.ClientUrls, root));
                }
            }

            var (inEtcd, revision) = await SegmentTable.ReadAsync(etcd.Client, layout.SegmentsPrefix, CancellationToken.None);
            Assert.Equal(created.Count, inEtcd.Count);
            await observer.WaitForReplicaAsync(revision, CancellationToken.None).WaitAsync(Backstop);
            Assert.Equal(Describe(inEtcd.Select(s => s.Segment)), Describe(observer.Table.Snapshot()));

            // The standby process's replica, seen through its answer right after a warm takeover.
            var primary = await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, Roles.DataCoord, _ => true, Backstop);
            var standby = dataCoords.Single(p => p.Runner.ProcessId != primary.Pid);
            dataCoords.Single(p => p.Runner.ProcessId == primary.Pid).Runner.Signal(UnixSignal.SIGTERM);
            await CoordinatorProcess.WaitForActiveAsync(etcd.Client, layout, Roles.DataCoord, s => s.Pid == standby.Runner.ProcessId, Backstop);
            var listed = await new DataCoord.DataCoordClient(standby.Channel).ListSegmentsAsync(new ListSegmentsRequest(),
                new CallOptions(Actors.Components.ComponentMethods.ForServer(standby.ServerId), DateTime.UtcNow.AddSeconds(10)));
            Assert.Equal(Describe(inEtcd.Select(s => s.Segment)), Describe(listed.Segments));
            Assert.Contains("warm: replica caught up", standby.Runner.StandardOutput, StringComparison.Ordinal);
            output.WriteLine($"{created.Count} segments, {inEtcd.Count} in etcd at revision {revision}; replicas equal");
        }
        finally
        {
            foreach (var p in dataCoords)
            {
                await p.DisposeAsync();
            }
        }
    }

    private static string Describe(IEnumerable<Segment> segments) =>
        string.Join('\n', segments.OrderBy(s => s.Id).Select(s => $"{s.Id} c{s.CollectionId} {s.State} {s.RowCount} {s.Token}"));
}
