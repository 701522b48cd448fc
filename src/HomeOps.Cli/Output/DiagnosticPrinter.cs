using HomeOps.Core.Diagnostics;

namespace HomeOps.Cli.Output;

/// <summary>Diagnostics as text, grouped by file: "file:line:col severity rule message" and a hint line.</summary>
public static class DiagnosticPrinter
{
    public static void Print(IEnumerable<Diagnostic> diagnostics, TextWriter writer)
    {
        foreach (var group in diagnostics.GroupBy(d => d.Location.File))
        {
            foreach (var d in group) writer.WriteLine(d.ToString());
        }
    }

    public static string Count(IReadOnlyCollection<Diagnostic> diagnostics)
    {
        var errors = diagnostics.Count(d => d.Severity == Severity.Error);
        var warnings = diagnostics.Count(d => d.Severity == Severity.Warning);
        return $"{errors} error{(errors == 1 ? "" : "s")}, {warnings} warning{(warnings == 1 ? "" : "s")}";
    }
}
