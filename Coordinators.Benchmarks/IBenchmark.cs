namespace Coordinators.Benchmarks;

/// <summary>
/// One benchmark suite, run as `Coordinators.Benchmarks NAME [args]` (or `./build.sh bench NAME`).
/// Each suite measures its subject beside a baseline in the same run and prints the ratio.
/// </summary>
internal interface IBenchmark
{
    /// <summary>Short name on the command line, e.g. "kernel".</summary>
    string Name { get; }

    /// <summary>One line saying what is measured against what.</summary>
    string Description { get; }

    /// <summary>Runs the suite, prints figures to stdout, returns the exit code.</summary>
    Task<int> RunAsync(string[] args, CancellationToken cancellationToken);
}
