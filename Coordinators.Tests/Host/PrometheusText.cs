using System.Globalization;
using System.Text.RegularExpressions;

namespace Coordinators.Tests.Host;

/// <summary>
/// A strict reader of the Prometheus text exposition format: every sample belongs to a family declared by `# TYPE`
/// before it, names and labels are well formed, values parse, and each histogram has `_bucket` series ending in
/// `le="+Inf"` plus `_sum` and `_count`, with the +Inf bucket equal to the count. Throws naming the offending line.
/// </summary>
internal static partial class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public static (IReadOnlyDictionary<string, string> Types, IReadOnlyList<Sample> Samples) Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<Sample>();
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0 || line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                if (parts.Length != 4 || !NameRegex().IsMatch(parts[2]) || parts[3] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                {
                    throw new FormatException($"line {number}: bad TYPE line '{line}'");
                }
                if (!types.TryAdd(parts[2], parts[3]))
                {
                    throw new FormatException($"line {number}: family {parts[2]} declared twice");
                }
                continue;
            }
            if (line.StartsWith('#'))
            {
                throw new FormatException($"line {number}: unknown comment '{line}'");
            }
            var m = SampleRegex().Match(line);
            if (!m.Success)
            {
                throw new FormatException($"line {number}: not a sample '{line}'");
            }
            var name = m.Groups["name"].Value;
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match l in LabelRegex().Matches(m.Groups["labels"].Value))
            {
                labels[l.Groups["k"].Value] = l.Groups["v"].Value;
            }
            var value = m.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            var family = FamilyOf(name, types) ?? throw new FormatException($"line {number}: sample {name} has no # TYPE before it");
            if (types[family] == "histogram" && name == family)
            {
                throw new FormatException($"line {number}: histogram {family} sample without _bucket/_sum/_count");
            }
            samples.Add(new Sample(name, labels, value));
        }
        foreach (var (family, _) in types.Where(t => t.Value == "histogram"))
        {
            var buckets = samples.Where(s => s.Name == family + "_bucket").ToList();
            var counts = samples.Where(s => s.Name == family + "_count").ToList();
            if (buckets.Count == 0 || counts.Count == 0 || !samples.Any(s => s.Name == family + "_sum"))
            {
                throw new FormatException($"histogram {family} lacks _bucket, _sum or _count");
            }
            foreach (var count in counts)
            {
                var inf = buckets.SingleOrDefault(b => b.Labels.GetValueOrDefault("le") == "+Inf" && SameSeries(b, count))
                    ?? throw new FormatException($"histogram {family} has no +Inf bucket for {string.Join(",", count.Labels)}");
                if (inf.Value != count.Value)
                {
                    throw new FormatException($"histogram {family}: +Inf bucket {inf.Value} != count {count.Value}");
                }
            }
        }
        return (types, samples);
    }

    private static bool SameSeries(Sample bucket, Sample count) =>
        bucket.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key).SequenceEqual(count.Labels.OrderBy(l => l.Key));

    private static string? FamilyOf(string name, Dictionary<string, string> types)
    {
        if (types.ContainsKey(name))
        {
            return name;
        }
        foreach (var suffix in new[] { "_bucket", "_sum", "_count", "_total" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.ContainsKey(name[..^suffix.Length]))
            {
                return name[..^suffix.Length];
            }
        }
        return null;
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex NameRegex();

    [GeneratedRegex("^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?<labels>[^}]*)\\})? (?<value>[-+]?(Inf|NaN|[0-9.eE+-]+))( [0-9]+)?$")]
    private static partial Regex SampleRegex();

    [GeneratedRegex("(?<k>[a-zA-Z_][a-zA-Z0-9_]*)=\"(?<v>(\\\\.|[^\"\\\\])*)\",?")]
    private static partial Regex LabelRegex();
}
