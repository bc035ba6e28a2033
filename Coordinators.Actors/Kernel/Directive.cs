namespace Coordinators.Actors.Kernel;

/// <summary>What a supervisor does with a child whose handler threw.</summary>
public enum Directive
{
    /// <summary>Keep the instance and its state; drop the failing message and go on with the next.</summary>
    Resume,

    /// <summary>Replace the instance with a fresh one (state cleared); the failing message is dropped, later messages are kept.</summary>
    Restart,

    /// <summary>Stop the child; its remaining messages become dead letters.</summary>
    Stop,

    /// <summary>Fail the supervisor itself with the same exception, letting the grandparent decide.</summary>
    Escalate,
}
