namespace Coordinators.Host.Commands;

/// <summary>Process exit codes shared by all commands.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The configuration file or a value in it is invalid.</summary>
    public const int BadConfiguration = 2;

    /// <summary>A primary lost its etcd session and exit-on-session-loss is on.</summary>
    public const int SessionLost = Coordinators.Actors.Election.CoordinatorActorSettings.SessionLostExitCode;

    /// <summary>A start-up stage failed.</summary>
    public const int StartFailed = 4;

    /// <summary>etcd could not be read.</summary>
    public const int EtcdUnavailable = 5;
}
