using Etcdserverpb;

namespace Coordinators.Actors.Etcd;

/// <summary>
/// A transaction builder as clientv3's: <c>client.Txn().If(...).Then(...).Else(...).CommitAsync()</c>.
/// All compares must hold for Then to run; otherwise Else runs.
/// </summary>
public sealed class Txn
{
    private readonly EtcdClient? _client;
    private readonly TxnRequest _request = new();

    /// <summary>A builder not bound to a client, for nesting with <see cref="Op.Txn(Txn)"/>.</summary>
    public Txn() { }

    internal Txn(EtcdClient client) => _client = client;

    /// <summary>Adds compares (all must hold).</summary>
    public Txn If(params Compare[] compares)
    {
        _request.Compare.AddRange(compares);
        return this;
    }

    /// <summary>Adds operations run when the compares hold.</summary>
    public Txn Then(params RequestOp[] ops)
    {
        _request.Success.AddRange(ops);
        return this;
    }

    /// <summary>Adds operations run when a compare fails.</summary>
    public Txn Else(params RequestOp[] ops)
    {
        _request.Failure.AddRange(ops);
        return this;
    }

    /// <summary>The request built so far (a copy).</summary>
    public TxnRequest ToRequest() => _request.Clone();

    /// <summary>Sends the transaction. It is retried on another member only when it cannot have been applied.</summary>
    public Task<TxnResponse> CommitAsync(CancellationToken cancellationToken = default) =>
        (_client ?? throw new InvalidOperationException("this Txn is not bound to a client; use EtcdClient.Txn()")).TxnAsync(_request, cancellationToken);
}
