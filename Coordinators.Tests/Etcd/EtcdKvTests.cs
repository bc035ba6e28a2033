using Coordinators.Actors.Etcd;
using Etcdserverpb;
using Coordinators.Actors.Transport;
using Coordinators.Tests.Fixtures;

namespace Coordinators.Tests.Etcd;

[Collection(IntegrationCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EtcdKvTests(EtcdSingleFixture etcd) : IClassFixture<EtcdSingleFixture>
{
    private readonly EtcdClient _client = etcd.Client;
    private readonly string _p = EtcdSingleFixture.Prefix();

    [Fact]
    public async Task Put_ThenGet_ReturnsValueAndRevisions()
    {
        var put = await _client.PutAsync(_p + "a", "1");
        var get = await _client.GetAsync(_p + "a");
        var kv = Assert.Single(get.Kvs);
        Assert.Equal("1", kv.Value.ToStringUtf8());
        Assert.Equal(put.Header.Revision, kv.CreateRevision);
        Assert.Equal(put.Header.Revision, kv.ModRevision);
        Assert.Equal(1, kv.Version);
        Assert.Empty((await _client.GetAsync(_p + "missing")).Kvs);
    }

    [Fact]
    public async Task GetPrefix_ReturnsOnlyKeysUnderPrefixInKeyOrder()
    {
        await _client.PutAsync(_p + "x/2", "b");
        await _client.PutAsync(_p + "x/1", "a");
        await _client.PutAsync(_p + "x0", "outside");
        var r = await _client.GetPrefixAsync(_p + "x/");
        Assert.Equal([_p + "x/1", _p + "x/2"], r.Kvs.Select(k => k.Key.ToStringUtf8()));
        Assert.Equal(2, r.Count);
    }

    [Fact]
    public async Task Get_RangeWithLimitAndDescendingSort_ReturnsFirstOfReverseOrder()
    {
        for (var i = 0; i < 5; i++)
        {
            await _client.PutAsync(_p + "r/" + i, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var r = await _client.GetAsync(_p + "r/1", new GetOptions
        {
            RangeEnd = EtcdKeys.Utf8(_p + "r/4"),
            Limit = 2,
            SortOrder = RangeRequest.Types.SortOrder.Descend,
            SortTarget = RangeRequest.Types.SortTarget.Key,
        });
        Assert.Equal([_p + "r/3", _p + "r/2"], r.Kvs.Select(k => k.Key.ToStringUtf8()));
        Assert.True(r.More);
        Assert.Equal(3, r.Count);
    }

    [Fact]
    public async Task Get_CountOnlyAndKeysOnly_OmitValues()
    {
        await _client.PutAsync(_p + "c/1", "v1");
        await _client.PutAsync(_p + "c/2", "v2");
        var count = await _client.GetPrefixAsync(_p + "c/", new GetOptions { CountOnly = true });
        Assert.Equal(2, count.Count);
        Assert.Empty(count.Kvs);
        var keys = await _client.GetPrefixAsync(_p + "c/", new GetOptions { KeysOnly = true });
        Assert.Equal(2, keys.Kvs.Count);
        Assert.All(keys.Kvs, kv => Assert.True(kv.Value.IsEmpty));
    }

    [Fact]
    public async Task Get_AtOldRevisionAndSerializable_ReturnsThatRevisionsValue()
    {
        var first = await _client.PutAsync(_p + "h", "old");
        await _client.PutAsync(_p + "h", "new");
        var old = await _client.GetAsync(_p + "h", new GetOptions { Revision = first.Header.Revision });
        Assert.Equal("old", Assert.Single(old.Kvs).Value.ToStringUtf8());
        var serial = await _client.GetAsync(_p + "h", new GetOptions { Serializable = true });
        Assert.Equal("new", Assert.Single(serial.Kvs).Value.ToStringUtf8());
        Assert.Equal(2, serial.Kvs[0].Version);
    }

    [Fact]
    public async Task Put_WithPrevKv_ReturnsPreviousValue()
    {
        await _client.PutAsync(_p + "p", "one");
        var r = await _client.PutAsync(_p + "p", "two", options: new PutOptions { PrevKv = true });
        Assert.Equal("one", r.PrevKv.Value.ToStringUtf8());
    }

    [Fact]
    public async Task Put_IgnoreValueAndIgnoreLease_KeepWhatIsIgnored()
    {
        var lease = await _client.GrantLeaseAsync(60);
        await _client.PutAsync(_p + "i", "kept");
        await _client.PutAsync(_p + "i", "", lease.ID, new PutOptions { IgnoreValue = true });
        var afterLease = Assert.Single((await _client.GetAsync(_p + "i")).Kvs);
        Assert.Equal("kept", afterLease.Value.ToStringUtf8());
        Assert.Equal(lease.ID, afterLease.Lease);
        await _client.PutAsync(_p + "i", "changed", 0, new PutOptions { IgnoreLease = true });
        var afterValue = Assert.Single((await _client.GetAsync(_p + "i")).Kvs);
        Assert.Equal("changed", afterValue.Value.ToStringUtf8());
        Assert.Equal(lease.ID, afterValue.Lease);
        await _client.RevokeLeaseAsync(lease.ID);
    }

    [Fact]
    public async Task Delete_KeyWithPrevKv_ReturnsDeleted()
    {
        await _client.PutAsync(_p + "d", "gone");
        var r = await _client.DeleteAsync(_p + "d", new DeleteOptions { PrevKv = true });
        Assert.Equal(1, r.Deleted);
        Assert.Equal("gone", Assert.Single(r.PrevKvs).Value.ToStringUtf8());
        Assert.Equal(0, (await _client.DeleteAsync(_p + "d")).Deleted);
    }

    [Fact]
    public async Task DeletePrefix_RemovesEveryKeyUnderPrefixOnly()
    {
        await _client.PutAsync(_p + "dp/1", "a");
        await _client.PutAsync(_p + "dp/2", "b");
        await _client.PutAsync(_p + "dq", "c");
        var r = await _client.DeletePrefixAsync(_p + "dp/");
        Assert.Equal(2, r.Deleted);
        Assert.Equal(1, (await _client.GetPrefixAsync(_p + "d", new GetOptions { CountOnly = true })).Count);
    }

    [Fact]
    public async Task Txn_CreateRevisionZero_ThenPutsOnceElseGets()
    {
        var key = _p + "cand";
        var first = await _client.Txn().If(Cmp.CreateRevision(key) == 0).Then(Op.Put(key, "me")).Else(Op.Get(key)).CommitAsync();
        Assert.True(first.Succeeded);
        Assert.Equal(ResponseOp.ResponseOneofCase.ResponsePut, Assert.Single(first.Responses).ResponseCase);
        var second = await _client.Txn().If(Cmp.CreateRevision(key) == 0).Then(Op.Put(key, "other")).Else(Op.Get(key)).CommitAsync();
        Assert.False(second.Succeeded);
        var kv = Assert.Single(Assert.Single(second.Responses).ResponseRange.Kvs);
        Assert.Equal("me", kv.Value.ToStringUtf8());
        Assert.Equal(first.Header.Revision, kv.CreateRevision);
    }

    [Fact]
    public async Task Txn_VersionModRevisionValueAndLeaseCompares_EvaluateAsEtcdDoes()
    {
        var key = _p + "cmp";
        var lease = await _client.GrantLeaseAsync(60);
        var put = await _client.PutAsync(key, "v", lease.ID);
        var ok = await _client.Txn()
            .If(Cmp.Version(key) == 1, Cmp.ModRevision(key) == put.Header.Revision, Cmp.Value(key) == "v", Cmp.Lease(key) == lease.ID,
                Cmp.Version(key) > 0, Cmp.ModRevision(key) < put.Header.Revision + 1, Cmp.Value(key) != "w")
            .Then(Op.Delete(key)).CommitAsync();
        Assert.True(ok.Succeeded);
        Assert.Equal(1, ok.Responses[0].ResponseDeleteRange.Deleted);
        var fails = await _client.Txn().If(Cmp.Version(key) != 0).Then(Op.Put(key, "x")).CommitAsync();
        Assert.False(fails.Succeeded);
        Assert.Empty(fails.Responses);
        await _client.RevokeLeaseAsync(lease.ID);
    }

    [Fact]
    public async Task Txn_NestedTxn_RunsInnerBranch()
    {
        var key = _p + "nested";
        var inner = new Txn().If(Cmp.Version(key) == 0).Then(Op.Put(key, "inner"));
        var r = await _client.Txn().If(Cmp.Value(_p + "none") == "").Else(Op.Txn(inner)).CommitAsync();
        Assert.False(r.Succeeded); // a missing key has no value to compare, so the compare fails
        Assert.True(r.Responses[0].ResponseTxn.Succeeded);
        Assert.Equal("inner", (await _client.GetAsync(key)).Kvs[0].Value.ToStringUtf8());
    }

    [Fact]
    public async Task MemberListAndStatus_DescribeTheMember()
    {
        var members = await _client.MemberListAsync();
        var m = Assert.Single(members.Members);
        Assert.Equal("m1", m.Name);
        Assert.Equal(etcd.Cluster.ClientUrls[0], Assert.Single(m.ClientURLs));
        var status = await _client.StatusAsync(etcd.Cluster.ClientUrls[0]);
        Assert.Equal("3.4.23", status.Version);
        Assert.Equal(m.ID, status.Leader);
    }

    [Fact]
    public async Task Compact_ThenGetOldRevision_FailsOutOfRange()
    {
        var old = await _client.PutAsync(_p + "k", "1");
        var latest = await _client.PutAsync(_p + "k", "2");
        await _client.CompactAsync(latest.Header.Revision);
        var e = await Assert.ThrowsAsync<RpcException>(() => _client.GetAsync(_p + "k", new GetOptions { Revision = old.Header.Revision }));
        Assert.Equal(StatusCode.OutOfRange, e.StatusCode);
        Assert.Equal("etcdserver: mvcc: required revision has been compacted", e.Status.Detail);
    }
}
