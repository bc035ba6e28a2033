using Etcdserverpb;
using Google.Protobuf;

namespace Coordinators.Actors.Etcd;

/// <summary>Operations inside a Txn's Then/Else, as clientv3's OpPut/OpGet/OpDelete/OpTxn.</summary>
public static class Op
{
    /// <summary>Put a UTF-8 key and value, optionally attached to a lease.</summary>
    public static RequestOp Put(string key, string value, long leaseId = 0, PutOptions? options = null) =>
        Put(EtcdKeys.Utf8(key), EtcdKeys.Utf8(value), leaseId, options);

    /// <summary>Put a key and value, optionally attached to a lease.</summary>
    public static RequestOp Put(ByteString key, ByteString value, long leaseId = 0, PutOptions? options = null) =>
        new() { RequestPut = EtcdClient.MakePut(key, value, leaseId, options) };

    /// <summary>Get a key (or a range with options).</summary>
    public static RequestOp Get(string key, GetOptions? options = null) => Get(EtcdKeys.Utf8(key), options);

    /// <summary>Get a key (or a range with options).</summary>
    public static RequestOp Get(ByteString key, GetOptions? options = null) =>
        new() { RequestRange = (options ?? DefaultGet).ToRequest(key) };

    /// <summary>Get every key with the prefix.</summary>
    public static RequestOp GetPrefix(string prefix) => Get(EtcdKeys.Utf8(prefix), PrefixGet);

    /// <summary>Delete a key (or a range with options).</summary>
    public static RequestOp Delete(string key, DeleteOptions? options = null) => Delete(EtcdKeys.Utf8(key), options);

    /// <summary>Delete a key (or a range with options).</summary>
    public static RequestOp Delete(ByteString key, DeleteOptions? options = null) =>
        new() { RequestDeleteRange = (options ?? DefaultDelete).ToRequest(key) };

    /// <summary>A nested transaction.</summary>
    public static RequestOp Txn(TxnRequest txn) => new() { RequestTxn = txn };

    /// <summary>A nested transaction from a builder.</summary>
    public static RequestOp Txn(Txn txn)
    {
        ArgumentNullException.ThrowIfNull(txn);
        return new RequestOp { RequestTxn = txn.ToRequest() };
    }

    private static readonly GetOptions DefaultGet = new();
    private static readonly GetOptions PrefixGet = new() { Prefix = true };
    private static readonly DeleteOptions DefaultDelete = new();
}
