using Google.Protobuf;
using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Election;
using Coordinators.Actors.Election.Services;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;
using Coordinators.Tests.Etcd;
using Coordinators.Tests.Fixtures;
using Etcdserverpb;

namespace Coordinators.Tests.Election.Services;

/// <summary>
/// The datacoord primary's table against real etcd when a write's outcome does not reach the caller: the table follows
/// the primary's own writes only, so a write that committed must be in it whatever happened to the call.
/// </summary>
[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class DataCoordServiceTests(EtcdSingleFixture etcd) : IClassFixture<EtcdSingleFixture>
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Create_CallerGivesUpAfterTheWriteWasSent_TableHoldsWhatEtcdHolds()
    {
        var (service, store, layout) = await NewPrimaryAsync();
        using var caller = new CancellationTokenSource();
        store.HoldReplies();

        var create = service.CreateSegmentAsync(7, 100, "late", caller.Token);
        await store.Committed.WaitAsync(Backstop);
        // The caller's deadline passes while etcd's answer is on its way (the demo's end of run cancels calls like this).
        await caller.CancelAsync();
        store.Release();
        await Record.ExceptionAsync(() => create.WaitAsync(Backstop));

        var (inEtcd, _) = await SegmentTable.ReadAsync(etcd.Client, layout.SegmentsPrefix, CancellationToken.None);
        Assert.Single(inEtcd);
        Assert.Equal(Describe(inEtcd.Select(s => s.Segment)), Describe(service.ListSegments(0).Segments));
    }

    [Fact]
    public async Task Update_EtcdFailsTheCallAfterItCommitted_UnavailableAndTableReadsTheKeyBack()
    {
        var (service, store, layout) = await NewPrimaryAsync();
        var (segment, _) = await service.CreateSegmentAsync(7, 100, "t", CancellationToken.None);
        store.FailAfterCommit();

        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => service.UpdateSegmentStateAsync(segment.Id, SegmentState.Flushed, 500, CancellationToken.None));
        Assert.Equal(Grpc.Core.StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("may or may not have landed", e.Status.Detail, StringComparison.Ordinal);

        var (inEtcd, _) = await SegmentTable.ReadAsync(etcd.Client, layout.SegmentsPrefix, CancellationToken.None);
        Assert.Equal((SegmentState.Flushed, 500L), (inEtcd[0].Segment.State, inEtcd[0].Segment.RowCount));
        Assert.Equal(Describe(inEtcd.Select(s => s.Segment)), Describe(service.ListSegments(0).Segments));
    }

    [Fact]
    public async Task Update_EtcdFailsTheCallAndTheFirstReadsBack_TableStillReadsTheKeyBack()
    {
        var (service, store, layout) = await NewPrimaryAsync();
        var (segment, _) = await service.CreateSegmentAsync(7, 100, "t", CancellationToken.None);
        store.FailAfterCommit();
        // An etcd that fails a write often fails the next reads too (chaos seed 5: the table kept the old state for the
        // rest of the term after one failed read-back).
        store.FailReads(2);

        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => service.UpdateSegmentStateAsync(segment.Id, SegmentState.Flushed, 500, CancellationToken.None).WaitAsync(Backstop));
        Assert.Equal(Grpc.Core.StatusCode.Unavailable, e.StatusCode);

        Assert.Equal(2, store.ReadsFailed);
        var (inEtcd, _) = await SegmentTable.ReadAsync(etcd.Client, layout.SegmentsPrefix, CancellationToken.None);
        Assert.Equal((SegmentState.Flushed, 500L), (inEtcd[0].Segment.State, inEtcd[0].Segment.RowCount));
        Assert.Equal(Describe(inEtcd.Select(s => s.Segment)), Describe(service.ListSegments(0).Segments));
    }

    [Fact]
    public async Task ColdTakeover_AWriteOfTheTermCommitsAfterTheRead_TableFollowsIt()
    {
        // The same term leading again after its guard lapsed: a write of its previous stint, cancelled on this side while
        // still in etcd's pipeline, commits after the new stint read the table (chaos seed 5: one segment short).
        var (service, store, layout) = await NewPrimaryAsync();
        var straggler = new Segment { Id = 9001, CollectionId = 7, State = SegmentState.Growing, RowCount = 3, Token = "straggler" };
        var key = layout.SegmentKey(straggler.Id);

        var txn = await store.TxnAsync([Cmp.CreateRevision(key) == 0], [Op.Put(EtcdKeys.Utf8(key), straggler.ToByteString())]);
        Assert.True(txn.Succeeded);

        await service.WaitForReplicaAsync(txn.Header.Revision, CancellationToken.None).WaitAsync(Backstop);
        var (inEtcd, _) = await SegmentTable.ReadAsync(etcd.Client, layout.SegmentsPrefix, CancellationToken.None);
        Assert.Contains(service.ListSegments(0).Segments, s => s.Token == "straggler");
        Assert.Equal(Describe(inEtcd.Select(s => s.Segment)), Describe(service.ListSegments(0).Segments));
    }

    [Fact]
    public async Task SameTermAgain_LiveReplica_ServesAtOnceWithTheTableCarriedOver()
    {
        // The guard lapsed while the lease lived: the same term leads again. Its barrier is a read, not an epoch
        // increment the replica could reach, so waiting for the replica ran into the 5 s backstop (chaos seed 4: datacoord
        // 5.6 s without a primary after an etcd-leader pause).
        var (service, store, _) = await NewPrimaryAsync();
        await service.CreateSegmentAsync(7, 100, "kept", CancellationToken.None);
        await service.WaitForReplicaAsync(1, CancellationToken.None).WaitAsync(Backstop);
        await service.StopAsync(CancellationToken.None);

        await service.StartAsync(store.Term, store, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(3));

        Assert.Equal("warm: the same term again, the table and its watch carried over", service.LastTakeover);
        Assert.Contains(service.ListSegments(0).Segments, s => s.Token == "kept");
    }

    private static string Describe(IEnumerable<Segment> segments) => string.Join(';', segments.OrderBy(s => s.Id).Select(s => s.ToString()));

    private async Task<(DataCoordService Service, FlakyReplyStore Store, EtcdLayout Layout)> NewPrimaryAsync()
    {
        var layout = EtcdSingleFixture.NewLayout();
        var candidate = layout.CandidateKey(Roles.DataCoord, Random.Shared.NextInt64(1, long.MaxValue));
        var put = await etcd.Client.PutAsync(candidate, "test");
        var store = new FlakyReplyStore(new FencedStore(etcd.Client, candidate, put.Header.Revision));
        long next = 100;
        var service = new DataCoordService(etcd.Client, layout) { AllocateId = _ => Task.FromResult(Interlocked.Increment(ref next)) };
        await service.StartAsync(store.Term, store, CancellationToken.None).WaitAsync(Backstop);
        return (service, store, layout);
    }

    /// <summary>A real fenced store whose transactions, once armed, commit and then lose or delay their answer.</summary>
    private sealed class FlakyReplyStore(FencedStore inner) : IFencedStore
    {
        private readonly TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile string? _mode;

        public long Term => inner.Term;

        public string CandidateKey => inner.CandidateKey;

        public Task Committed => _committed.Task;

        public void HoldReplies() => _mode = "hold";

        public void FailAfterCommit() => _mode = "fail";

        public void Release() => _release.TrySetResult();

        private int _readsToFail;
        private int _readsFailed;

        public int ReadsFailed => Volatile.Read(ref _readsFailed);

        public void FailReads(int count) => Volatile.Write(ref _readsToFail, count);

        public Task<RangeResponse> GetAsync(string key, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Decrement(ref _readsToFail) >= 0)
            {
                Interlocked.Increment(ref _readsFailed);
                throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Unknown, "context deadline exceeded"));
            }
            return inner.GetAsync(key, cancellationToken);
        }

        public async Task<TxnResponse> TxnAsync(IReadOnlyList<Compare> compares, IReadOnlyList<RequestOp> then, IReadOnlyList<RequestOp>? otherwise = null, CancellationToken cancellationToken = default)
        {
            var mode = _mode;
            var response = await inner.TxnAsync(compares, then, otherwise, mode is null ? cancellationToken : CancellationToken.None);
            if (mode == "fail")
            {
                throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Unavailable, "connection reset after the request was sent"));
            }
            if (mode == "hold")
            {
                // Waiting on the caller's token before the test hears of the commit: its cancel must find the answer outstanding.
                var answer = _release.Task.WaitAsync(cancellationToken);
                _committed.TrySetResult();
                await answer;
            }
            return response;
        }

        public Task PutAsync(string key, string value, CancellationToken cancellationToken = default) => inner.PutAsync(key, value, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);
    }
}
