using HomeOps.Adapters.Tools;
using HomeOps.Cli.Output;
using HomeOps.Model;
using HomeOps.Operations.Bootstrap;
using HomeOps.Operations.Diagnose;
using HomeOps.Operations.Maintenance;
using HomeOps.Operations.Observe;
using HomeOps.Operations.Tools;

namespace HomeOps.Cli.Commands;

/// <summary>
/// Exit codes, and the one place where a failure becomes one (docs/cli.md): 0 clean, 1 findings or a refused or failed
/// operation, 2 bad input, a missing tool or an internal error, 130 interrupted (Ctrl-C; the command-line library
/// answers a SIGTERM that arrives while the command is cleaning up with 143).
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Findings = 1;
    public const int Failure = 2;
    public const int Interrupted = 130;

    /// <summary>The rule id of findings about the command line itself (an unknown --rule), which are bad input.</summary>
    public const string UsageRule = "usage";

    /// <summary>Says what went wrong on <paramref name="error"/>, and what to do next, and returns the exit code. No operator ever sees a stack trace.</summary>
    public static int Report(Exception exception, TextWriter error, string? whenInterrupted)
    {
        switch (exception)
        {
            case HomeOpsException e:
                FindingPrinter.Print(e.Findings, error);
                return e.Findings.All(f => f.Rule == UsageRule) ? Failure : Findings;
            case UsageException or OperationInputException or DiagnosisInputException:
                error.WriteLine($"homeops: {TerminalText.EscapeLines(exception.Message)}");
                return Failure;
            case OperationRefusedException:
                error.WriteLine($"homeops: {TerminalText.EscapeLines(exception.Message)}");
                return Findings;
            case OperationFailedException e:
                error.WriteLine($"homeops: {TerminalText.EscapeLines(e.Message)}");
                Details(error, e.Node?.ToString(), e.Command, e.OutputTail, e.NextStep);
                return Findings;
            case BootstrapFailedException e:
                error.WriteLine($"bootstrap failed in phase {e.Phase}{(e.Cause.Node is null ? "" : $" on {e.Cause.Node}")}: {TerminalText.EscapeLines(e.Cause.Message)}");
                Details(error, null, e.Cause.Command, e.Cause.OutputTail, e.Cause.NextStep ?? "`homeops bootstrap --resume`");
                if (e.Log is not null) error.WriteLine($"  log:     {e.Log}");
                return Findings;
            case ClusterUnreachableException:
                error.WriteLine($"homeops: {TerminalText.EscapeLines(exception.Message)}; nothing was changed");
                return Findings;
            case ToolFailedException e when ToolRunner.IsNotFound(e.Result):
                error.WriteLine($"homeops: {TerminalText.EscapeLines(e.Message)}");
                return Failure;
            case ToolFailedException e:
                error.WriteLine($"homeops: {TerminalText.EscapeLines(e.Message)}");
                return Findings;
            case OperationCanceledException:
                error.WriteLine($"homeops: interrupted{(whenInterrupted is null ? "" : $"; {whenInterrupted}")}");
                return Interrupted;
            default:
                error.WriteLine($"homeops: internal error: {exception.GetType().Name}: {TerminalText.EscapeLines(exception.Message)}");
                error.WriteLine("  this is a bug; please report it with the command you ran (set HOMEOPS_DEBUG=1 for the trace)");
                if (Environment.GetEnvironmentVariable("HOMEOPS_DEBUG") == "1") error.WriteLine(exception);
                return Failure;
        }
    }

    private static void Details(TextWriter error, string? node, string? command, string? output, string? next)
    {
        if (node is not null) error.WriteLine($"  node:    {TerminalText.Escape(node)}");
        if (command is not null) error.WriteLine($"  command: {TerminalText.Escape(command)}");
        // a tool's own output, echoed back: every line indented under "output:", whatever it holds
        if (output is { Length: > 0 }) error.WriteLine($"  output:\n    {TerminalText.Escape(output, keepNewlines: true).Replace("\n", "\n    ")}");
        if (next is not null) error.WriteLine($"  next:    {TerminalText.EscapeLines(next)}");
    }
}
