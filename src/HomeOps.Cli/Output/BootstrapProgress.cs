using System.Diagnostics;
using HomeOps.Operations.Bootstrap;
using Spectre.Console;

namespace HomeOps.Cli.Output;

/// <summary>
/// The run as the operator watches it: on a terminal a spinner with the current phase, node and
/// elapsed time above the finished phases; otherwise (CI, pipes) one plain line per event.
/// </summary>
public sealed class BootstrapProgress(bool live) : IBootstrapEvents
{
    private readonly Stopwatch _phaseClock = new();
    private readonly Lock _gate = new();
    private StatusContext? _status;
    private string _phase = "";

    public bool Live => live;

    /// <summary>Runs <paramref name="work"/> under a live spinner (terminal) or as is.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> work)
    {
        if (!live) return await work();
        return await AnsiConsole.Status().Spinner(Spinner.Known.Dots).StartAsync("starting", async context =>
        {
            _status = context;
            using var ticker = new Timer(_ => Refresh(null), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            return await work();
        });
    }

    public void Emit(BootstrapEvent e)
    {
        lock (_gate)
        {
            switch (e.Kind)
            {
                case EventKind.PhaseStarted:
                    _phase = e.Phase ?? "";
                    _phaseClock.Restart();
                    Line($"▶ {e.Phase}", null);
                    break;
                case EventKind.PhaseSkipped:
                    Line($"✓ {e.Phase}: already done", "grey");
                    break;
                case EventKind.PhaseCompleted:
                    Line($"✓ {e.Phase} ({Seconds(e.ElapsedMs)})", "green");
                    break;
                case EventKind.PhaseFailed:
                    Line($"✗ {e.Phase}{(e.Node is null ? "" : $" on {e.Node}")}: {e.Message}", "red");
                    break;
                case EventKind.StepCompleted:
                    Line($"  · {e.Node}: {e.Message}", "grey");
                    break;
                case EventKind.Retry:
                    Line($"  ↻ {e.Message}", "yellow");
                    break;
                case EventKind.RunCompleted:
                    Line($"bootstrap complete in {Seconds(e.ElapsedMs)}", "green");
                    break;
                case EventKind.StepStarted or EventKind.Waiting:
                    Refresh($"{e.Node ?? ""} {e.Message}".Trim());
                    break;
            }
        }
    }

    private string _detail = "";

    private void Refresh(string? detail)
    {
        if (detail is not null) _detail = detail;
        _status?.Status($"{TerminalText.Markup(_phase)} [grey]{_phaseClock.Elapsed.TotalSeconds:0}s[/] {TerminalText.Markup(_detail)}");
    }

    private void Line(string text, string? color)
    {
        if (live) AnsiConsole.MarkupLine(color is null ? TerminalText.Markup(text) : $"[{color}]{TerminalText.Markup(text)}[/]");
        else Console.WriteLine($"{DateTime.Now:HH:mm:ss} {TerminalText.Escape(text)}");
    }

    private static string Seconds(long? ms) => $"{(ms ?? 0) / 1000.0:0.0}s";
}
