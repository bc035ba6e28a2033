using System.Globalization;
using Coordinators.Actors.Sessions;
using Spectre.Console;
using Coordinators.Actors.Model;

namespace Coordinators.Host.Demo;

/// <summary>
/// What the person running the demo sees: in a terminal a Spectre.Console live table redrawn on every etcd
/// change (per role the primary, the standbys in queue order, node sessions, calls/s and errors); otherwise
/// plain progress lines, one per notable event, so CI logs stay readable.
/// </summary>
internal sealed class LiveTable
{
    private static readonly HashSet<string> PlainKinds = ["fault", "active-put", "exit", "rejoined", "fault-end"];

    private readonly ClusterView _view;
    private readonly StateSampler _sampler;
    private readonly Workload _workload;
    private readonly ChildProcessSet _children;
    private readonly DemoEvents _events;
    private readonly bool _interactive;
    private readonly Lock _outputGate = new();
    private TaskCompletionSource _redraw = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string _status = "starting";
    // Plain mode prints events only after the cluster formed; the start-up flood would bury the point.
    private volatile bool _printEvents;

    public LiveTable(ClusterView view, StateSampler sampler, Workload workload, ChildProcessSet children, DemoEvents events, bool interactive)
    {
        _view = view;
        _sampler = sampler;
        _workload = workload;
        _children = children;
        _events = events;
        _interactive = interactive;
        _view.Changed += _ => Redraw();
        _events.Added += OnEvent;
    }

    /// <summary>The phase line shown above the table (or printed as a line).</summary>
    public string Status
    {
        get => _status;
        set
        {
            _status = value;
            if (_interactive)
            {
                Redraw();
            }
            else
            {
                Line(value);
            }
        }
    }

    /// <summary>Starts printing fault and failover events in plain mode.</summary>
    public void FollowEvents() => _printEvents = true;

    /// <summary>Draws until cancelled (terminal), or prints a progress line every 5 s (plain).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_interactive)
            {
                await AnsiConsole.Live(Render()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis)
                    .StartAsync(async ctx =>
                    {
                        while (!cancellationToken.IsCancellationRequested)
                        {
                            var next = Volatile.Read(ref _redraw).Task;
                            // Calls/s change without an etcd event: refresh at least twice a second.
                            await Task.WhenAny(next, Task.Delay(500, cancellationToken)).ConfigureAwait(false);
                            Interlocked.Exchange(ref _redraw, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                            ctx.UpdateTarget(Render());
                            ctx.Refresh();
                        }
                    }).ConfigureAwait(false);
            }
            else
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
                while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                {
                    Line(ProgressLine());
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Writes a line above the live table (terminal) or to stdout (plain).</summary>
    public void Line(string text)
    {
        lock (_outputGate)
        {
            var at = (_events.NowMs / 1000).ToString("F1", CultureInfo.InvariantCulture).PadLeft(6);
            if (_interactive)
            {
                AnsiConsole.MarkupLine($"[grey]{at}s[/] {Markup.Escape(text)}");
            }
            else
            {
                Console.Out.WriteLine($"{at}s {text}");
                Console.Out.Flush();
            }
        }
    }

    private void Redraw() => Volatile.Read(ref _redraw).TrySetResult();

    private void OnEvent(DemoEvent e)
    {
        if (_interactive || !_printEvents || !PlainKinds.Contains(e.Kind))
        {
            return;
        }
        var details = string.Join(' ', e.Data.Select(p => $"{p.Key}={p.Value?.ToJsonString().Trim('"')}"));
        Line($"{e.Kind,-10} {e.Process ?? ""} {details}");
    }

    private string ProgressLine()
    {
        var snapshot = _view.Current;
        var (ok, failed) = _workload.LastSecond();
        var totals = _workload.Totals();
        var primaries = string.Join(' ', Roles.Coordinators.Select(r => $"{r}=#{(snapshot.Active.TryGetValue(r, out var a) ? a.ServerId.ToString(CultureInfo.InvariantCulture) : "-")}"));
        return $"progress   calls/s={ok} failed/s={failed} total ok={totals.Ok} failed={totals.Failed} sessions={snapshot.Sessions.Count} {primaries}";
    }

    private Table Render()
    {
        var snapshot = _view.Current;
        var table = new Table().Border(TableBorder.Rounded).Expand();
        table.Title = new TableTitle($"[bold]coordinators demo[/] — {Markup.Escape(_status)}");
        table.AddColumn("role");
        table.AddColumn("primary (server · pid · term · since)");
        table.AddColumn("standbys in queue order / node sessions");
        table.AddColumn(new TableColumn("calls/s").RightAligned());
        table.AddColumn(new TableColumn("errors").RightAligned());
        foreach (var role in Roles.Coordinators)
        {
            var primary = snapshot.Active.TryGetValue(role, out var a)
                ? $"[green]#{a.ServerId}[/] · {a.Pid} · {a.Term} · {a.Since?.ToLocalTime().ToString("HH:mm:ss.f", CultureInfo.InvariantCulture) ?? "-"}"
                : "[red]none[/]";
            var standbys = string.Join(" → ", snapshot.Standbys(role).Select(s => $"#{s.ServerId}·{s.Pid}"));
            AddRow(table, role, primary, standbys.Length == 0 ? "[yellow]none[/]" : standbys, r => r.CoordinatorRole == role);
        }
        foreach (var role in new[] { Roles.Proxy, Roles.QueryNode, Roles.DataNode, Roles.IndexNode })
        {
            var sessions = snapshot.SessionsOf(role).Select(s => $"#{s.ServerId}·{s.Pid}·{StateOf(s.ServerId)}");
            AddRow(table, role, "[grey]node[/]", string.Join("  ", sessions), role == Roles.Proxy ? null : r => r.NodeRole == role);
        }
        var (ok, failed) = _workload.LastSecond();
        var totals = _workload.Totals();
        table.Caption = new TableTitle(
            $"etcd rev {snapshot.Revision} · {_children.All.Count(c => c.IsRunning)}/{_children.All.Count} processes · "
            + $"{ok + failed} calls/s · {totals.Ok} ok · {totals.Failed} failed · {_sampler.SampleCount} state samples · "
            + $"{(_sampler.ViolationCount == 0 ? "[green]one primary per role[/]" : $"[red]{_sampler.ViolationCount} overlap samples[/]")}");
        return table;
    }

    private void AddRow(Table table, string role, string primary, string others, Func<CallRecord, bool>? filter)
    {
        var (ok, failed) = _workload.LastSecond(filter);
        var (_, totalFailed) = _workload.Totals(filter);
        table.AddRow(new Markup($"[bold]{role}[/]"), new Markup(primary), new Markup(others),
            new Text((ok + failed).ToString(CultureInfo.InvariantCulture)),
            new Markup(totalFailed == 0 ? "0" : $"[red]{totalFailed}[/]"));
    }

    private string StateOf(long serverId) => _sampler.Latest.GetValueOrDefault(serverId)?.State switch
    {
        "Healthy" => "[green]ok[/]",
        null => "?",
        var s => $"[yellow]{s}[/]",
    };
}
