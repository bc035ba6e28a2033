using Akka.Actor;
using Akka.Configuration;
using Akka.Coordination;
using Akka.Event;
using Coordinators.Actors.Election;
using Coordinators.Actors.Etcd;
using Coordinators.Actors.Model;
using Grpc.Core;

namespace Coordinators.Actors.Coordination;

/// <summary>
/// An Akka.Coordination lease on etcd, for <c>akka.cluster.singleton.use-lease</c> (and any other lease user).
/// The lease named N is the key <c>{root}/lease/N</c>, put with an etcd lease of TTL <c>heartbeat-timeout</c> kept
/// alive every <c>heartbeat-interval</c>. Acquire puts the key if absent (or finds it already ours) in one Txn;
/// <see cref="CheckLease"/> is the local guard; the key's CreateRevision is the <see cref="Term"/>, a fencing token
/// that every write of the holder can be made conditional on (<see cref="Fenced"/>).
/// </summary>
public sealed class EtcdLease : Lease, IAsyncDisposable
{
    /// <summary>The HOCON section this lease is registered under by default.</summary>
    public const string ConfigPath = "akka.coordination.lease.etcd";

    /// <summary>The <c>lease-class</c> value naming this type.</summary>
    public static readonly string LeaseClass = typeof(EtcdLease).FullName + ", " + typeof(EtcdLease).Assembly.GetName().Name;

    private readonly EtcdClient _etcd;
    private readonly ILoggingAdapter _log;
    private readonly TimeProvider _time;
    // Serialises Acquire and Release: one etcd conversation about this key at a time.
    private readonly SemaphoreSlim _gate = new(1, 1);
    // The current acquisition (held, or lost and not yet released); null when idle. Written under _gate.
    private volatile LeaseHolding? _holding;
    // The newest Acquire/Release. Each one never faults (its outcome goes to the caller's task) and disposal waits
    // on the gate for the one running.
    private Task _pending = Task.CompletedTask;
    private int _disposed;

    /// <summary>Created by Akka's LeaseProvider from <c>lease-class</c>.</summary>
    public EtcdLease(LeaseSettings settings, ExtendedActorSystem system)
        : this(settings, system, TimeProvider.System)
    {
    }

    /// <summary>Creates the lease on a given clock (tests use a fake one).</summary>
    public EtcdLease(LeaseSettings settings, ExtendedActorSystem system, TimeProvider time)
        : base(settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(system);
        _time = time;
        _log = Logging.GetLogger(system, typeof(EtcdLease));
        EtcdSettings = EtcdLeaseSettings.Create(settings, ConfigPath);
        Key = EtcdSettings.KeyOf(settings.LeaseName);
        _etcd = new EtcdClient(EtcdSettings.ToClientOptions(time));
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "etcd-lease-dispose", async () =>
        {
            await DisposeAsync().ConfigureAwait(false);
            return Akka.Done.Instance;
        });
    }

    /// <summary>The settings read from HOCON.</summary>
    public EtcdLeaseSettings EtcdSettings { get; }

    /// <summary>The etcd key of this lease.</summary>
    public string Key { get; }

    /// <summary>
    /// The fencing token: the key's CreateRevision while this owner holds the lease, 0 otherwise. It grows with
    /// every acquisition by anyone, so a resource that remembers the highest term it saw can refuse an older holder.
    /// </summary>
    public long Term => _holding is { IsLost: false } h ? h.Term : 0;

    /// <summary>
    /// Finds the lease a ClusterSingletonManager uses for the singleton <paramref name="singletonContext"/> runs:
    /// Akka names it <c>{system}-singleton-{manager path}</c>, owned by this node's host:port.
    /// </summary>
    public static EtcdLease ForSingleton(IActorContext singletonContext, string configPath = ConfigPath)
    {
        ArgumentNullException.ThrowIfNull(singletonContext);
        var system = singletonContext.System;
        var name = $"{system.Name}-singleton-{singletonContext.Parent.Path}";
        var owner = ((ExtendedActorSystem)system).Provider.DefaultAddress.HostPort();
        return LeaseProvider.Get(system).GetLease(name, configPath, owner) as EtcdLease
            ?? throw new ConfigurationException($"{configPath}.lease-class is not {LeaseClass}");
    }

    /// <inheritdoc />
    public override Task<bool> Acquire() => Acquire(null);

    /// <inheritdoc />
    public override Task<bool> Acquire(Action<Exception?>? leaseLostCallback)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var result = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending = RunAsync(() => AcquireAsync(leaseLostCallback, result.Task), result);
        return result.Task;
    }

    /// <summary>Releases the lease: deletes the key if still ours and revokes the etcd lease. True after a loss too.</summary>
    public override Task<bool> Release()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var result = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending = RunAsync(ReleaseAsync, result);
        return result.Task;
    }

    /// <summary>True while this owner certainly holds the lease: held, not lost, and the guard is within its deadline.</summary>
    public override bool CheckLease() => _holding is { IsHeld: true };

    /// <summary>
    /// A store whose every write is a Txn conditional on this acquisition's term
    /// (<c>If CreateRevision(key) == term</c>) and checked against the local guard first; a refused write throws
    /// <see cref="LeadershipLostException"/>. Throws <see cref="LeaseException"/> when the lease is not held.
    /// </summary>
    public IFencedStore Fenced()
    {
        var h = _holding;
        if (h is not { IsHeld: true })
        {
            throw new LeaseException($"{Key} is not held by {Settings.OwnerName}: acquire it before writing");
        }
        return new FencedStore(_etcd, Key, h.Term, h.Guard);
    }

    /// <summary>Stops the keep-alive and revokes a held etcd lease (best effort), then closes the etcd client.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        // Wait for the newest Acquire or Release, then for whichever still holds the gate; later ones fail fast.
        await _pending.ConfigureAwait(false);
        await _gate.WaitAsync().ConfigureAwait(false);
        var h = _holding;
        _holding = null;
        if (h is not null)
        {
            await h.DisposeAsync().ConfigureAwait(false);
            await RevokeQuietlyAsync(h.LeaseId).ConfigureAwait(false);
        }
        _etcd.Dispose();
        _gate.Release();
    }

    private async Task<bool> AcquireAsync(Action<Exception?>? callback, Task acquireCompleted)
    {
        var current = _holding;
        if (current is { IsHeld: true })
        {
            return true;
        }
        if (current is not null)
        {
            // Lost and never released: drop it before taking a new term.
            _holding = null;
            await current.DisposeAsync().ConfigureAwait(false);
            await RevokeQuietlyAsync(current.LeaseId).ConfigureAwait(false);
        }
        using var timeout = new CancellationTokenSource(EtcdSettings.OperationTimeout, _time);
        var ct = timeout.Token;
        long leaseId = 0;
        try
        {
            // The grant's send time is the first thing the guard trusts: etcd starts the TTL after it received it.
            var sentAt = _time.GetTimestamp();
            var grant = await _etcd.GrantLeaseAsync((long)EtcdSettings.Ttl.TotalSeconds, ct).ConfigureAwait(false);
            leaseId = grant.ID;
            var guard = new LeaseGuard(_time, TimeSpan.FromSeconds(grant.TTL), EtcdSettings.GuardMargin);
            guard.Acknowledged(sentAt);
            var (term, revision) = await ClaimAsync(leaseId, ct).ConfigureAwait(false);
            if (term == 0)
            {
                await RevokeQuietlyAsync(leaseId).ConfigureAwait(false);
                return false;
            }
            var holding = new LeaseHolding(_etcd, _log, Key, Settings.OwnerName, leaseId, term, guard, _time, callback, acquireCompleted);
            holding.Start(EtcdSettings.KeepAliveInterval, revision + 1);
            _holding = holding;
            _log.Acquired(Key, Settings.OwnerName, term, leaseId);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException)
        {
            if (leaseId != 0)
            {
                // The put may have been applied: revoking the lease frees the key at once instead of after the TTL.
                await RevokeQuietlyAsync(leaseId).ConfigureAwait(false);
            }
            throw Failure("acquiring", e, timeout.IsCancellationRequested);
        }
    }

    /// <summary>Put if absent, in one Txn; (term, header revision), or term 0 when another owner holds the key.</summary>
    private async Task<(long Term, long Revision)> ClaimAsync(long leaseId, CancellationToken ct)
    {
        // At most three rounds: a key of ours under an earlier etcd lease is revoked once, then claimed again.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var response = await _etcd.Txn()
                .If(Cmp.CreateRevision(Key) == 0)
                .Then(Op.Put(Key, Settings.OwnerName, leaseId))
                .Else(Op.Get(Key))
                .CommitAsync(ct).ConfigureAwait(false);
            var revision = response.Header.Revision;
            if (response.Succeeded)
            {
                return (revision, revision);
            }
            var kvs = response.Responses[0].ResponseRange.Kvs;
            if (kvs.Count == 0)
            {
                continue; // absent although the compare said present: not possible within one Txn; claim again
            }
            var kv = kvs[0];
            if (kv.Lease == leaseId)
            {
                return (kv.CreateRevision, revision);
            }
            var holder = kv.Value.ToStringUtf8();
            if (holder == Settings.OwnerName && attempt == 0)
            {
                // Ours under an earlier etcd lease (this node restarted on the same host:port, or a release that
                // never reached etcd): revoke that lease so this acquisition gets a new term, then claim again.
                _log.ReplacedOwnLease(Key, Settings.OwnerName, kv.Lease);
                await _etcd.RevokeLeaseAsync(kv.Lease, ct).ConfigureAwait(false);
                continue;
            }
            _log.Taken(Key, Settings.OwnerName, holder);
            return (0, revision);
        }
        throw new LeaseException($"acquiring {Key} for {Settings.OwnerName}: the key changed under every attempt");
    }

    private async Task<bool> ReleaseAsync()
    {
        var h = _holding;
        if (h is null)
        {
            return true;
        }
        _holding = null;
        var lost = h.IsLost;
        await h.DisposeAsync().ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(EtcdSettings.OperationTimeout, _time);
        try
        {
            if (!lost)
            {
                await _etcd.Txn()
                    .If(Cmp.CreateRevision(Key) == h.Term, Cmp.Lease(Key) == h.LeaseId)
                    .Then(Op.Delete(Key))
                    .CommitAsync(timeout.Token).ConfigureAwait(false);
            }
            await _etcd.RevokeLeaseAsync(h.LeaseId, timeout.Token).ConfigureAwait(false);
            _log.Released(Key, Settings.OwnerName, h.Term, lost);
            return true;
        }
        catch (Exception e) when (lost && e is OperationCanceledException or RpcException)
        {
            // Already lost: this owner holds nothing, which is what Release promises.
            _log.ReleaseAfterLossFailed(Key, h.LeaseId, e.Message);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException)
        {
            throw Failure("releasing", e, timeout.IsCancellationRequested);
        }
    }

    private async Task RunAsync(Func<Task<bool>> operation, TaskCompletionSource<bool> result)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            result.TrySetResult(await operation().ConfigureAwait(false));
        }
        catch (Exception e)
        {
            result.TrySetException(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RevokeQuietlyAsync(long leaseId)
    {
        using var timeout = new CancellationTokenSource(EtcdSettings.OperationTimeout, _time);
        try
        {
            await _etcd.RevokeLeaseAsync(leaseId, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException)
        {
            _log.RevokeFailed(Key, leaseId, e.Message);
        }
    }

    private LeaseException Failure(string what, Exception e, bool timedOut)
    {
        var detail = e is RpcException re ? $"{re.StatusCode}: {re.Status.Detail}" : e.Message;
        return timedOut
            ? new LeaseTimeoutException($"{what} {Key} for {Settings.OwnerName} took longer than lease-operation-timeout ({EtcdSettings.OperationTimeout.TotalSeconds:0.###}s; {detail}); the key is free again within the TTL at the latest")
            : new LeaseException($"{what} {Key} for {Settings.OwnerName} failed: {detail}");
    }
}
