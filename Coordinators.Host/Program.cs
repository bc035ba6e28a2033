namespace Coordinators.Host;
internal static class Program
{
    public static int Main(string[] args) => args.Length;
}
