namespace Coordinators.Actors.Kernel;

/// <summary>Thrown by <see cref="AskExtensions.Ask{T}"/> when no reply arrived within the timeout; the message names the target and the message type.</summary>
public sealed class AskTimeoutException : TimeoutException
{
    /// <summary>Creates the exception with a message naming what timed out.</summary>
    public AskTimeoutException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// An actor failed while being created: its constructor, <see cref="Actor.PreStart"/> or
/// <see cref="Actor.PostRestart"/> threw. Such an actor is always stopped, never restarted, so a
/// broken start-up cannot loop.
/// </summary>
public sealed class ActorInitializationException : Exception
{
    /// <summary>Creates the exception for the actor at <paramref name="path"/>.</summary>
    public ActorInitializationException(string path, Exception inner)
        : base($"actor {path} failed to start: {inner.Message}", inner)
    {
        Path = path;
    }

    /// <summary>The path of the actor that failed to start.</summary>
    public string Path { get; }
}

/// <summary>Thrown by <c>ActorOf</c> when the name is empty, contains '/' or '$' at its start, or is taken by a living sibling.</summary>
public sealed class InvalidActorNameException : ArgumentException
{
    /// <summary>Creates the exception with a message naming the problem.</summary>
    public InvalidActorNameException(string message)
        : base(message)
    {
    }
}
