using System.Globalization;
using Spectre.Console;

namespace Coordinators.Host.Demo;

/// <summary>The closing output of a demo run: one row per fault, then the invariants, then where the files are.</summary>
internal static class DemoSummary
{
    public static void Print(DemoRun run, string outDir)
    {
        var faults = new Table().Border(TableBorder.Rounded).Title("[bold]faults[/]");
        faults.AddColumn("#");
        faults.AddColumn("role");
        faults.AddColumn("fault");
        faults.AddColumn("target");
        faults.AddColumn(new TableColumn("new primary after").RightAligned());
        faults.AddColumn(new TableColumn("back after").RightAligned());
        faults.AddColumn(new TableColumn("epoch").Centered());
        faults.AddColumn(new TableColumn("calls failed").RightAligned());
        faults.AddColumn(new TableColumn("worst call").RightAligned());
        foreach (var f in run.Faults)
        {
            var gap = f.Fault.Kind.IsNode() ? $"(session gone {Ms(f.SessionGoneMs)})" : Ms(f.FailoverMs);
            faults.AddRow(
                f.Fault.Index.ToString(CultureInfo.InvariantCulture), f.Fault.Role, f.Fault.Label, Markup.Escape($"{f.Target} #{f.ServerId}"),
                Markup.Escape(gap), Ms(f.RejoinedMs),
                f.EpochOk ? $"{f.EpochBefore}→{f.EpochAfter}" : $"[red]{f.EpochBefore}→{f.EpochAfter}[/]",
                f.CallsFailed == 0 ? $"0/{f.Calls}" : $"[red]{f.CallsFailed}[/]/{f.Calls}{(f.CallsFailedAtVictim > 0 ? $" ({f.CallsFailedAtVictim} at victim)" : "")}",
                $"{f.WorstLatencyMs:F0} ms");
            if (f.Problem is not null)
            {
                faults.AddRow("", "", "[red]problem[/]", $"[red]{Markup.Escape(f.Problem)}[/]", "", "", "", "", "");
            }
        }
        AnsiConsole.Write(faults);

        if (run.Interrupted)
        {
            AnsiConsole.MarkupLine(Markup.Escape($"interrupted after {run.EndMs / 1000:F1} s: every child and etcd stopped; leftover processes: {run.SurvivingPids.Count}; partial report in {Path.Combine(outDir, "report.json")}"));
            return;
        }
        var invariants = new Table().Border(TableBorder.Rounded).Title("[bold]invariants[/]");
        invariants.AddColumn("invariant");
        invariants.AddColumn("holds");
        invariants.AddColumn("evidence");
        foreach (var i in run.Invariants)
        {
            invariants.AddRow(new Text(i.Name), new Markup(i.Passed ? "[green]yes[/]" : "[red]NO[/]"), new Text(i.Detail));
        }
        AnsiConsole.Write(invariants);

        var calls = run.Workload.Sum(s => s.Ok + s.Failed);
        var failed = run.Workload.Sum(s => s.Failed);
        AnsiConsole.MarkupLine(Markup.Escape($"{calls} calls ({failed} failed) in {run.EndMs / 1000:F1} s; cluster ready after {run.ClusterReadyMs / 1000:F1} s; leftover processes: {run.SurvivingPids.Count}"));
        AnsiConsole.MarkupLine(Markup.Escape($"report: {Path.Combine(outDir, "report.json")}  timeline: {Path.Combine(outDir, "timeline.svg")}  logs: {Path.Combine(outDir, "logs")}"));
        var failedNames = run.Invariants.Where(i => !i.Passed).Select(i => i.Name).ToList();
        AnsiConsole.MarkupLine(run.ExitCode == 0
            ? "[green bold]PASSED[/]: every invariant holds"
            : $"[red bold]FAILED[/]: {Markup.Escape(failedNames.Count == 0 ? "the run did not complete" : string.Join(", ", failedNames))}");
    }

    private static string Ms(double? ms) => ms is null ? "—" : ms.Value.ToString("F0", CultureInfo.InvariantCulture) + " ms";
}
