using Google.Protobuf;
using System.IO.Pipelines;

namespace Coordinators.Actors.Grpc.Server.Internal;

/// <summary>
/// The request messages of a duplex call as a single-use async stream read straight off Kestrel's request pipe.
/// It is its own enumerator so a call costs one object, not two.
/// </summary>
internal sealed class ServerRequestStream<T> : IAsyncEnumerable<T>, IAsyncEnumerator<T>
    where T : class, IMessage<T>
{
    private readonly PipeReader _reader;
    private readonly MessageParser<T> _parser;
    private readonly int _maxSize;
    private readonly CancellationToken _callToken;
    // Only when the enumerating code passes its own token as well.
    private CancellationTokenSource? _linked;
    private CancellationToken _token;
    private bool _enumerated;
    private T? _current;

    public ServerRequestStream(PipeReader reader, MessageParser<T> parser, int maxSize, CancellationToken callToken)
    {
        _reader = reader;
        _parser = parser;
        _maxSize = maxSize;
        _callToken = callToken;
        _token = callToken;
    }

    public T Current => _current ?? throw new InvalidOperationException("MoveNextAsync has not returned true");

    public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        if (_enumerated)
        {
            throw new InvalidOperationException("the request stream can be enumerated only once");
        }
        _enumerated = true;
        if (cancellationToken.CanBeCanceled && cancellationToken != _callToken)
        {
            _linked = CancellationTokenSource.CreateLinkedTokenSource(_callToken, cancellationToken);
            _token = _linked.Token;
        }
        return this;
    }

    public async ValueTask<bool> MoveNextAsync()
    {
        _current = await ServerFraming.ReadMessageAsync(_reader, _parser, _maxSize, _token).ConfigureAwait(false);
        return _current is not null;
    }

    public ValueTask DisposeAsync()
    {
        _linked?.Dispose();
        _linked = null;
        return ValueTask.CompletedTask;
    }
}
