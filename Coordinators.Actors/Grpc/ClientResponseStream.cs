using System.Runtime.CompilerServices;

namespace Coordinators.Actors.Grpc;

/// <summary>
/// The response side of a streaming call. <see cref="MoveNext"/> returns false at the end of an OK stream and
/// throws <see cref="RpcException"/> for any other status.
/// </summary>
public sealed class ClientResponseStream<TResponse> : IAsyncEnumerable<TResponse>
{
    private readonly Func<CancellationToken, Task<bool>> _moveNext;
    private readonly Func<TResponse> _current;

    internal ClientResponseStream(Func<CancellationToken, Task<bool>> moveNext, Func<TResponse> current)
    {
        _moveNext = moveNext;
        _current = current;
    }

    /// <summary>The message read by the last successful <see cref="MoveNext"/>.</summary>
    public TResponse Current => _current();

    /// <summary>Reads the next message.</summary>
    public Task<bool> MoveNext(CancellationToken cancellationToken = default) => _moveNext(cancellationToken);

    /// <summary>Reads every remaining message.</summary>
    public async IAsyncEnumerator<TResponse> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        while (await _moveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return _current();
        }
    }

    /// <summary>Reads every remaining message (Grpc.Core's ReadAllAsync).</summary>
    public async IAsyncEnumerable<TResponse> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await _moveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return _current();
        }
    }
}
