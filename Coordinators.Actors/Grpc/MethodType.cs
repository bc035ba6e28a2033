namespace Coordinators.Actors.Grpc;

/// <summary>The shape of a gRPC method.</summary>
public enum MethodType
{
    /// <summary>One request, one response.</summary>
    Unary,
    /// <summary>Many requests, one response.</summary>
    ClientStreaming,
    /// <summary>One request, many responses.</summary>
    ServerStreaming,
    /// <summary>Many requests and many responses at once.</summary>
    DuplexStreaming,
}
