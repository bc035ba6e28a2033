using Google.Protobuf;

namespace Coordinators.Actors.Grpc;

/// <summary>
/// Describes one gRPC method: its service, name, shape and the protobuf parsers of its messages.
/// The HTTP/2 path is "/{service}/{name}".
/// </summary>
public sealed class Method<TRequest, TResponse>
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    /// <summary>Creates a method descriptor.</summary>
    public Method(string serviceName, string name, MethodType type, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ServiceName = serviceName;
        Name = name;
        Type = type;
        RequestParser = requestParser;
        ResponseParser = responseParser;
        FullName = "/" + serviceName + "/" + name;
    }

    /// <summary>Fully qualified service name, e.g. "etcdserverpb.KV".</summary>
    public string ServiceName { get; }

    /// <summary>Method name, e.g. "Range".</summary>
    public string Name { get; }

    /// <summary>Unary, server-streaming or duplex.</summary>
    public MethodType Type { get; }

    /// <summary>The HTTP/2 :path of the method.</summary>
    public string FullName { get; }

    /// <summary>Parses requests (server side).</summary>
    public MessageParser<TRequest> RequestParser { get; }

    /// <summary>Parses responses (client side).</summary>
    public MessageParser<TResponse> ResponseParser { get; }

    /// <inheritdoc />
    public override string ToString() => FullName;
}
