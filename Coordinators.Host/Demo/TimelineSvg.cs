using System.Globalization;
using System.Security;
using System.Text;
using Coordinators.Actors.Sessions;
using Coordinators.Actors.Model;

namespace Coordinators.Host.Demo;

/// <summary>One fault as the timeline draws it: a numbered red line at <see cref="AtMs"/>, a cross on the victim's lane, a legend line.</summary>
internal sealed record TimelineFault(int Index, double AtMs, string Target, string Text, bool Ok);

/// <summary>
/// Draws DIR/timeline.svg: one lane per process slot with its states as bars (primary tenures in the role's
/// colour, standby pale, paused hatched), faults as numbered red lines with a legend, and the workload's
/// calls per second (failures in red) underneath.
/// </summary>
internal static class TimelineSvg
{
    private const double Left = 170, Right = 30, Top = 70, Lane = 24, ChartHeight = 120, Width = 1500;

    private static readonly Dictionary<string, string> RoleColours = new(StringComparer.Ordinal)
    {
        [Roles.RootCoord] = "#d62728", [Roles.DataCoord] = "#1f77b4", [Roles.QueryCoord] = "#2ca02c", [Roles.IndexCoord] = "#9467bd",
    };

    /// <summary>
    /// Draws the run; <paramref name="faults"/> replaces the legend built from the run's demo faults (the chaos run
    /// has fault kinds of its own), and <paramref name="tool"/> names the command in the title.
    /// </summary>
    public static string Render(DemoRun run, IReadOnlyList<TimelineFault>? faults = null, string tool = "coordinators demo")
    {
        faults ??= run.Faults.Select(DemoFault).ToList();
        var children = run.Children;
        var endMs = Math.Max(run.EndMs, 1000);
        double X(double ms) => Left + (Width - Left - Right) * Math.Clamp(ms, 0, endMs) / endMs;
        var lanesBottom = Top + Lane * children.Count;
        var chartTop = lanesBottom + 40;
        var legendTop = chartTop + ChartHeight + 40;
        var height = legendTop + 20 + 16 * Math.Max(faults.Count, 1) + 20;
        var svg = new StringBuilder();
        svg.Append(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n"));
        svg.Append("<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
            + "<rect width=\"3\" height=\"6\" fill=\"#ff7f0e\"/></pattern></defs>\n");
        svg.Append(Inv($"<rect width=\"{Width}\" height=\"{height}\" fill=\"white\"/>\n"));
        svg.Append(Inv($"<text x=\"{Left}\" y=\"22\" font-size=\"16\" font-weight=\"bold\">{Esc(tool)} — {Esc(Title(run, faults.Count))}</text>\n"));
        svg.Append(Inv($"<text x=\"{Left}\" y=\"42\" fill=\"#555\">bars: primary (role colour), standby (pale blue), node serving (green), starting (yellow), stopping (orange), paused (hatched); red lines: faults; ◆ active key published</text>\n"));

        // Time grid every 10 s.
        for (var s = 0; s * 1000 <= endMs; s += 10)
        {
            var x = X(s * 1000);
            svg.Append(Inv($"<line x1=\"{x:F1}\" y1=\"{Top - 6}\" x2=\"{x:F1}\" y2=\"{chartTop + ChartHeight}\" stroke=\"#eee\"/>"));
            svg.Append(Inv($"<text x=\"{x:F1}\" y=\"{Top - 10}\" fill=\"#888\" text-anchor=\"middle\" font-size=\"10\">{s}s</text>\n"));
        }

        var lanes = children.Select((c, i) => (Child: c, Y: Top + i * Lane)).ToList();
        var laneOf = new Dictionary<int, (DemoChild Child, double Y)>();
        foreach (var (c, y) in lanes)
        {
            foreach (var pid in c.Pids)
            {
                laneOf[pid] = (c, y);
            }
            svg.Append(Inv($"<text x=\"{Left - 8}\" y=\"{y + 16}\" text-anchor=\"end\">{Esc(c.Name)}</text>"));
            svg.Append(Inv($"<line x1=\"{Left}\" y1=\"{y + Lane}\" x2=\"{Width - Right}\" y2=\"{y + Lane}\" stroke=\"#f3f3f3\"/>\n"));
        }

        DrawLifetimes(svg, run, lanes, X, endMs);
        DrawStates(svg, run, laneOf, X, endMs);
        DrawPauses(svg, run, lanes, X, endMs);
        DrawPublished(svg, run, laneOf, X);
        DrawFaults(svg, faults, lanes, X, chartTop);
        DrawChart(svg, run, X, chartTop);
        DrawLegend(svg, faults, legendTop);
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void DrawLifetimes(StringBuilder svg, DemoRun run, List<(DemoChild Child, double Y)> lanes, Func<double, double> x, double endMs)
    {
        foreach (var (c, y) in lanes)
        {
            foreach (var pid in c.Pids)
            {
                var start = run.Events.FirstOrDefault(e => e.Kind == "start" && Pid(e) == pid)?.AtMs ?? 0;
                var exit = run.Events.FirstOrDefault(e => e.Kind == "exit" && Pid(e) == pid)?.AtMs ?? endMs;
                svg.Append(Inv($"<rect x=\"{x(start):F1}\" y=\"{y + 10}\" width=\"{Math.Max(1, x(exit) - x(start)):F1}\" height=\"4\" fill=\"#ccc\"/>"));
            }
        }
        svg.Append('\n');
    }

    private static void DrawStates(StringBuilder svg, DemoRun run, Dictionary<int, (DemoChild Child, double Y)> laneOf, Func<double, double> x, double endMs)
    {
        // A state lasts from its sample until the next sample of the same process or the process's exit.
        var states = run.Events.Where(e => e.Kind == "state" && laneOf.ContainsKey(Pid(e))).ToList();
        foreach (var group in states.GroupBy(Pid))
        {
            var pid = group.Key;
            var exit = run.Events.FirstOrDefault(e => e.Kind == "exit" && Pid(e) == pid)?.AtMs ?? endMs;
            var list = group.OrderBy(e => e.AtMs).ToList();
            var (child, y) = laneOf[pid];
            for (var i = 0; i < list.Count; i++)
            {
                var from = list[i].AtMs;
                var to = Math.Min(i + 1 < list.Count ? list[i + 1].AtMs : endMs, exit);
                if (to <= from)
                {
                    continue;
                }
                var state = list[i].Data["state"]?.GetValue<string>();
                var fill = state switch
                {
                    "Healthy" when Roles.IsCoordinator(child.Role) => RoleColours.GetValueOrDefault(child.Role, "#333"),
                    "Healthy" => "#98df8a",
                    "StandBy" => "#c7d7ea",
                    "Initializing" => "#f2d16b",
                    "Stopping" or "Abnormal" => "#ffbb78",
                    _ => null,
                };
                if (fill is null)
                {
                    continue;
                }
                var tall = state == "Healthy" && Roles.IsCoordinator(child.Role);
                var (top, h) = tall ? (y + 3, Lane - 6) : (y + 6, Lane - 12);
                svg.Append(Inv($"<rect x=\"{x(from):F1}\" y=\"{top}\" width=\"{Math.Max(1, x(to) - x(from)):F1}\" height=\"{h}\" fill=\"{fill}\" rx=\"2\"><title>{Esc(child.Name)} pid {pid}: {state} {from / 1000:F2}–{to / 1000:F2} s</title></rect>"));
            }
            svg.Append('\n');
        }
    }

    private static void DrawPauses(StringBuilder svg, DemoRun run, List<(DemoChild Child, double Y)> lanes, Func<double, double> x, double endMs)
    {
        foreach (var (c, y) in lanes)
        {
            var signals = run.Events.Where(e => e.Kind == "signal" && e.Process == c.Name).ToList();
            for (var i = 0; i < signals.Count; i++)
            {
                if (signals[i].Data["signal"]?.GetValue<string>() != nameof(UnixSignal.SIGSTOP))
                {
                    continue;
                }
                var to = signals.Skip(i + 1).FirstOrDefault(e => e.Data["signal"]?.GetValue<string>() == nameof(UnixSignal.SIGCONT))?.AtMs ?? endMs;
                var from = signals[i].AtMs;
                svg.Append(Inv($"<rect x=\"{x(from):F1}\" y=\"{y + 2}\" width=\"{Math.Max(1, x(to) - x(from)):F1}\" height=\"{Lane - 4}\" fill=\"url(#hatch)\" stroke=\"#ff7f0e\"><title>{Esc(c.Name)} paused {from / 1000:F2}–{to / 1000:F2} s</title></rect>\n"));
            }
        }
    }

    private static void DrawPublished(StringBuilder svg, DemoRun run, Dictionary<int, (DemoChild Child, double Y)> laneOf, Func<double, double> x)
    {
        foreach (var e in run.Events.Where(e => e.Kind == "active-put"))
        {
            if (!laneOf.TryGetValue(Pid(e), out var lane))
            {
                continue;
            }
            var cx = x(e.AtMs);
            var cy = lane.Y + Lane / 2;
            svg.Append(Inv($"<path d=\"M{cx:F1},{cy - 6} l5,6 l-5,6 l-5,-6 z\" fill=\"black\"><title>{Esc(lane.Child.Name)} published as primary at {e.AtMs / 1000:F2} s</title></path>"));
        }
        svg.Append('\n');
    }

    private static void DrawFaults(StringBuilder svg, IReadOnlyList<TimelineFault> faults, List<(DemoChild Child, double Y)> lanes, Func<double, double> x, double chartTop)
    {
        foreach (var f in faults)
        {
            var fx = x(f.AtMs);
            svg.Append(Inv($"<line x1=\"{fx:F1}\" y1=\"{Top - 4}\" x2=\"{fx:F1}\" y2=\"{chartTop + ChartHeight}\" stroke=\"#e00\" stroke-width=\"1.5\" stroke-dasharray=\"4,3\"/>"));
            svg.Append(Inv($"<text x=\"{fx + 3:F1}\" y=\"{Top + 0}\" fill=\"#e00\" font-weight=\"bold\" font-size=\"11\">{f.Index}</text>"));
            var lane = lanes.FirstOrDefault(l => l.Child.Name == f.Target);
            if (lane.Child is not null)
            {
                var cy = lane.Y + Lane / 2;
                svg.Append(Inv($"<path d=\"M{fx - 5:F1},{cy - 5} l10,10 M{fx + 5:F1},{cy - 5} l-10,10\" stroke=\"#e00\" stroke-width=\"2.5\"/>"));
            }
            svg.Append('\n');
        }
    }

    private static void DrawChart(StringBuilder svg, DemoRun run, Func<double, double> x, double chartTop)
    {
        var seconds = run.Workload;
        var max = Math.Max(10, seconds.Count == 0 ? 0 : seconds.Max(s => s.Ok + s.Failed));
        double Y(double v) => chartTop + ChartHeight - ChartHeight * v / max;
        svg.Append(Inv($"<text x=\"{Left - 8}\" y=\"{chartTop + 14}\" text-anchor=\"end\">calls/s</text>"));
        svg.Append(Inv($"<text x=\"{Left - 8}\" y=\"{chartTop + 30}\" text-anchor=\"end\" fill=\"#e00\">failed/s</text>"));
        svg.Append(Inv($"<rect x=\"{Left}\" y=\"{chartTop}\" width=\"{Width - Left - Right}\" height=\"{ChartHeight}\" fill=\"none\" stroke=\"#ddd\"/>"));
        svg.Append(Inv($"<text x=\"{Left + 4}\" y=\"{chartTop + 12}\" fill=\"#888\" font-size=\"10\">{max}</text>\n"));
        if (seconds.Count > 0)
        {
            var points = string.Join(' ', seconds.Select(s => Inv($"{x(s.Second * 1000 + 500):F1},{Y(s.Ok):F1}")));
            svg.Append(Inv($"<polyline points=\"{points}\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\"/>\n"));
            foreach (var s in seconds.Where(s => s.Failed > 0))
            {
                svg.Append(Inv($"<rect x=\"{x(s.Second * 1000):F1}\" y=\"{Y(s.Failed):F1}\" width=\"{Math.Max(2, x(1000) - x(0)):F1}\" height=\"{chartTop + ChartHeight - Y(s.Failed):F1}\" fill=\"#e00\" opacity=\"0.7\"><title>{s.Failed} failed in second {s.Second}</title></rect>"));
            }
        }
        svg.Append('\n');
    }

    private static void DrawLegend(StringBuilder svg, IReadOnlyList<TimelineFault> faults, double top)
    {
        svg.Append(Inv($"<text x=\"{Left}\" y=\"{top}\" font-weight=\"bold\">faults</text>\n"));
        var y = top + 18;
        foreach (var f in faults)
        {
            svg.Append(Inv($"<text x=\"{Left}\" y=\"{y}\" fill=\"{(f.Ok ? "#222" : "#e00")}\">{Esc(f.Text)}</text>\n"));
            y += 16;
        }
    }

    private static TimelineFault DemoFault(FaultResult f)
    {
        var outcome = f.Fault.Kind.IsNode()
            ? $"session gone after {Ms(f.SessionGoneMs)}"
            : $"new primary after {Ms(f.FailoverMs)}";
        var text = $"{f.Fault.Index}. {f.AtMs / 1000:F1} s  {f.Fault.Label} {f.Fault.Role} ({f.Target}, pid {f.Pid}): {outcome}, back after {Ms(f.RejoinedMs)}, "
            + $"{f.CallsFailed} failed calls, worst {f.WorstLatencyMs:F0} ms{(f.Problem is null ? "" : " — " + f.Problem)}";
        return new TimelineFault(f.Fault.Index, f.AtMs, f.Target, text, f.Problem is null && f.EpochOk);
    }

    private static string Title(DemoRun run, int faultCount)
    {
        var passed = run.Invariants.Count > 0 && run.Invariants.All(i => i.Passed) && !run.Interrupted;
        return $"{run.Children.Count} processes, {faultCount} faults, ttl {run.Options.Ttl.TotalSeconds:F0} s — "
            + (run.Interrupted ? "interrupted" : passed ? "all invariants hold" : "INVARIANTS FAILED: " + string.Join(", ", run.Invariants.Where(i => !i.Passed).Select(i => i.Name)));
    }

    private static string Ms(double? ms) => ms is null ? "—" : ms.Value.ToString("F0", CultureInfo.InvariantCulture) + " ms";

    private static int Pid(DemoEvent e) => e.Data["pid"]?.GetValue<int>() ?? 0;

    private static string Esc(string text) => SecurityElement.Escape(text) ?? string.Empty;

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
