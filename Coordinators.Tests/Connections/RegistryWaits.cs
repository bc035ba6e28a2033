using Coordinators.Actors.Connections;

namespace Coordinators.Tests.Connections;

/// <summary>Waiting on a ConnectionManager's registry without polling.</summary>
internal static class RegistryWaits
{
    /// <summary>
    /// Completes once <paramref name="condition"/> holds, re-testing it at each change of <paramref name="role"/>'s
    /// clients. The change task is taken before the test, so a change between the two is not missed.
    /// </summary>
    public static async Task WaitForAsync(this ConnectionManager cm, string role, Func<bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            var next = cm.Registry.NextChange(role);
            if (condition())
            {
                return;
            }
            await next.WaitAsync(cancellationToken);
        }
    }
}
