namespace Coordinators.Host.Commands;

/// <summary>Process exit codes shared by all commands.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The configuration file or a value in it is invalid.</summary>
    public const int BadConfiguration = 2;
}
