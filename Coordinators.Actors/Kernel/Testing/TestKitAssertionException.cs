namespace Coordinators.Actors.Kernel.Testing;

/// <summary>A TestKit expectation was not met: a wrong message, a timeout, or an unexpected message.</summary>
public sealed class TestKitAssertionException : Exception
{
    /// <summary>Creates the exception with a message saying what was expected and what happened.</summary>
    public TestKitAssertionException(string message)
        : base(message)
    {
    }
}
