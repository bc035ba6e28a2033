namespace Coordinators.Benchmarks;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Suites are discovered by reflection so each lives in its own file and registers nothing.
        var suites = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
            .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToList();
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("usage: bench NAME [args]   (NAME = all to run every suite)");
            foreach (var s in suites)
            {
                Console.WriteLine($"  {s.Name,-12} {s.Description}");
            }
            return args.Length == 0 ? 2 : 0;
        }
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
        var selected = args[0] == "all" ? suites : suites.Where(s => s.Name == args[0]).ToList();
        if (selected.Count == 0)
        {
            await Console.Error.WriteLineAsync($"unknown benchmark '{args[0]}'; known: {string.Join(", ", suites.Select(s => s.Name))}");
            return 2;
        }
        var rc = 0;
        foreach (var suite in selected)
        {
            Console.WriteLine($"== {suite.Name}: {suite.Description}");
            rc = Math.Max(rc, await suite.RunAsync(args[1..], cts.Token));
        }
        return rc;
    }
}
