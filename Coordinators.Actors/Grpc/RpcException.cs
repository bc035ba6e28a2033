namespace Coordinators.Actors.Grpc;

/// <summary>Thrown when a gRPC call ends with a status other than OK.</summary>
public sealed class RpcException : Exception
{
    /// <summary>Creates the exception from a status, with optional trailers received from the peer.</summary>
    public RpcException(Status status, Metadata? trailers = null, Exception? innerException = null)
        : base($"Status(StatusCode=\"{status.StatusCode}\", Detail=\"{status.Detail}\")", innerException)
    {
        Status = status;
        Trailers = trailers ?? Metadata.Empty;
    }

    /// <summary>Creates the exception from a code and detail.</summary>
    public RpcException(StatusCode code, string detail, Exception? innerException = null)
        : this(new Status(code, detail), null, innerException)
    {
    }

    /// <summary>The status the call ended with.</summary>
    public Status Status { get; }

    /// <summary>Shortcut for <c>Status.StatusCode</c>.</summary>
    public StatusCode StatusCode => Status.StatusCode;

    /// <summary>Trailers (or headers of a trailers-only response) the peer sent.</summary>
    public Metadata Trailers { get; }
}
