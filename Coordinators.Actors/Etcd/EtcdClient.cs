using Etcdserverpb;
using Coordinators.Actors.Transport;
using Grpc.Core;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coordinators.Actors.Etcd;

/// <summary>
/// An etcd v3 client over our gRPC layer, shaped like clientv3: KV, Txn, Lease (with keep-alive streams), Watch
/// (resuming across broken connections), cluster tooling and auth. Several endpoints: on Unavailable the client
/// moves to the next; reads are retried, writes only when they cannot have been applied. Thread-safe.
/// </summary>
public sealed partial class EtcdClient : IDisposable, IAsyncDisposable
{
    private const string TokenKey = "token";

    // One handler (one connection pool, one TLS config) shared by the channel of every endpoint.
    private readonly SocketsHttpHandler _handler;
    // One Grpc.Net.Client channel per member with dotnet-etcd's generated clients over it; fixed at construction.
    private readonly EtcdEndpoint[] _endpoints;
    private readonly ILogger _logger;
    // Serialises re-authentication so a burst of rejected calls authenticates once.
    private readonly SemaphoreSlim _authLock = new(1, 1);
    // Leases revoked through this client, so their keep-alive reports Revoked rather than Expired.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, bool> _revoked = new();
    // Index of the endpoint calls go to; advanced (never past a newer choice) when it fails.
    private int _current;
    // Request metadata carrying the auth token; null without auth. Replaced whole on re-auth.
    private volatile Metadata? _authHeaders;
    private int _disposed;

    /// <summary>Creates a client; nothing connects until the first call.</summary>
    public EtcdClient(EtcdClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Endpoints.Count == 0)
        {
            throw new ArgumentException("at least one etcd endpoint is needed", nameof(options));
        }
        Options = options;
        _logger = options.Logger ?? NullLogger.Instance;
        var settings = new ChannelSettings
        {
            CaFile = options.CaFile,
            ClientCertFile = options.ClientCertFile,
            ClientKeyFile = options.ClientKeyFile,
            ConnectTimeout = options.DialTimeout,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            MaxReceiveMessageSize = options.MaxReceiveMessageSize,
            MaxSendMessageSize = options.MaxSendMessageSize,
        };
        _handler = settings.CreateHandler();
        try
        {
            _endpoints = options.Endpoints.Select(e =>
            {
                var address = (e.Contains("://", StringComparison.Ordinal) ? e : "http://" + e).TrimEnd('/');
                return new EtcdEndpoint(address, settings.CreateChannel(address, _handler));
            }).ToArray();
        }
        catch
        {
            _handler.Dispose();
            throw;
        }
    }

    /// <summary>Creates a client for the given endpoints with default options.</summary>
    public EtcdClient(params string[] endpoints)
        : this(new EtcdClientOptions { Endpoints = endpoints })
    {
    }

    /// <summary>The options the client was made with.</summary>
    public EtcdClientOptions Options { get; }

    /// <summary>The endpoint calls currently go to.</summary>
    public string CurrentEndpoint => _endpoints[Volatile.Read(ref _current)].Address;

    // ---- KV ----------------------------------------------------------------------------------------

    /// <summary>Gets one key, or a range/prefix with options.</summary>
    public Task<RangeResponse> GetAsync(string key, GetOptions? options = null, CancellationToken cancellationToken = default) =>
        GetAsync(EtcdKeys.Utf8(key), options, cancellationToken);

    /// <summary>Gets one key, or a range/prefix with options.</summary>
    public Task<RangeResponse> GetAsync(ByteString key, GetOptions? options = null, CancellationToken cancellationToken = default) =>
        RangeAsync((options ?? DefaultGet).ToRequest(key), cancellationToken);

    /// <summary>Gets every key with the prefix.</summary>
    public Task<RangeResponse> GetPrefixAsync(string prefix, GetOptions? options = null, CancellationToken cancellationToken = default) =>
        GetAsync(EtcdKeys.Utf8(prefix), (options ?? DefaultGet) with { Prefix = true }, cancellationToken);

    /// <summary>Sends a Range request as is (reads are retried on other members).</summary>
    public Task<RangeResponse> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default) =>
        CallAsync((e, o) => e.KV.RangeAsync(request, o), idempotent: true, cancellationToken);

    /// <summary>Puts a UTF-8 key and value, optionally attached to a lease.</summary>
    public Task<PutResponse> PutAsync(string key, string value, long leaseId = 0, PutOptions? options = null, CancellationToken cancellationToken = default) =>
        PutAsync(EtcdKeys.Utf8(key), EtcdKeys.Utf8(value), leaseId, options, cancellationToken);

    /// <summary>Puts a key and value, optionally attached to a lease.</summary>
    public Task<PutResponse> PutAsync(ByteString key, ByteString value, long leaseId = 0, PutOptions? options = null, CancellationToken cancellationToken = default) =>
        CallAsync((e, o) => e.KV.PutAsync(MakePut(key, value, leaseId, options), o), idempotent: false, cancellationToken);

    /// <summary>Deletes a key, or a range/prefix with options.</summary>
    public Task<DeleteRangeResponse> DeleteAsync(string key, DeleteOptions? options = null, CancellationToken cancellationToken = default) =>
        DeleteAsync(EtcdKeys.Utf8(key), options, cancellationToken);

    /// <summary>Deletes a key, or a range/prefix with options.</summary>
    public Task<DeleteRangeResponse> DeleteAsync(ByteString key, DeleteOptions? options = null, CancellationToken cancellationToken = default) =>
        CallAsync((e, o) => e.KV.DeleteRangeAsync((options ?? DefaultDelete).ToRequest(key), o), idempotent: false, cancellationToken);

    /// <summary>Deletes every key with the prefix.</summary>
    public Task<DeleteRangeResponse> DeletePrefixAsync(string prefix, DeleteOptions? options = null, CancellationToken cancellationToken = default) =>
        DeleteAsync(EtcdKeys.Utf8(prefix), (options ?? DefaultDelete) with { Prefix = true }, cancellationToken);

    /// <summary>Starts a transaction: <c>Txn().If(...).Then(...).Else(...).CommitAsync()</c>.</summary>
    public Txn Txn() => new(this);

    /// <summary>Sends a TxnRequest as is; retried elsewhere only when read-only or not sent.</summary>
    public Task<TxnResponse> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return CallAsync((e, o) => e.KV.TxnAsync(request, o), IsReadOnly(request), cancellationToken);
    }

    /// <summary>Compacts the history up to <paramref name="revision"/>.</summary>
    public Task<CompactionResponse> CompactAsync(long revision, bool physical = false, CancellationToken cancellationToken = default) =>
        CallAsync((e, o) => e.KV.CompactAsync(new CompactionRequest { Revision = revision, Physical = physical }, o), idempotent: true, cancellationToken);

    // ---- cluster and auth --------------------------------------------------------------------------

    /// <summary>The members of the cluster.</summary>
    public Task<MemberListResponse> MemberListAsync(CancellationToken cancellationToken = default) =>
        CallAsync((e, o) => e.Cluster.MemberListAsync(new MemberListRequest(), o), idempotent: true, cancellationToken);

    /// <summary>Status of one member (by its client URL), or of the current endpoint when null.</summary>
    public async Task<StatusResponse> StatusAsync(string? endpoint = null, CancellationToken cancellationToken = default)
    {
        if (endpoint is null)
        {
            return await CallAsync((e, o) => e.Maintenance.StatusAsync(new StatusRequest(), o), idempotent: true, cancellationToken).ConfigureAwait(false);
        }
        var member = _endpoints.FirstOrDefault(c => c.Address == endpoint.TrimEnd('/'))
            ?? throw new ArgumentException($"'{endpoint}' is not one of this client's endpoints ({string.Join(", ", _endpoints.Select(e => e.Address))})", nameof(endpoint));
        return await member.Maintenance.StatusAsync(new StatusRequest(), await CallOptionsAsync(cancellationToken).ConfigureAwait(false)).ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>Authenticates with user and password; later calls carry the token (done lazily when options name a user).</summary>
    public async Task AuthenticateAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        var request = new AuthenticateRequest { Name = username, Password = password };
        var response = await CallAsync((e, o) => e.Auth.AuthenticateAsync(request, o), idempotent: true, cancellationToken, authenticate: false).ConfigureAwait(false);
        var md = new Metadata { { TokenKey, response.Token } };
        _authHeaders = md;
    }

    internal static PutRequest MakePut(ByteString key, ByteString value, long leaseId, PutOptions? options) => new()
    {
        Key = key,
        Value = value,
        Lease = leaseId,
        PrevKv = options?.PrevKv ?? false,
        IgnoreValue = options?.IgnoreValue ?? false,
        IgnoreLease = options?.IgnoreLease ?? false,
    };

    private static bool IsReadOnly(TxnRequest txn) =>
        txn.Success.Concat(txn.Failure).All(op => op.RequestCase switch
        {
            RequestOp.RequestOneofCase.RequestRange => true,
            RequestOp.RequestOneofCase.RequestTxn => IsReadOnly(op.RequestTxn),
            _ => false,
        });

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        foreach (var e in _endpoints)
        {
            e.Dispose();
        }
        _handler.Dispose();
        _authLock.Dispose();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static readonly GetOptions DefaultGet = new();
    private static readonly DeleteOptions DefaultDelete = new();
}
