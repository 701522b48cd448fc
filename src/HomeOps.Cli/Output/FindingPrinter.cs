using HomeOps.Model;

namespace HomeOps.Cli.Output;

/// <summary>Findings as text, grouped by file: "file:line:col severity rule message" and a hint line.</summary>
public static class FindingPrinter
{
    public static void Print(IEnumerable<Finding> findings, TextWriter writer)
    {
        foreach (var group in findings.GroupBy(d => d.Location.File))
        {
            foreach (var d in group) writer.WriteLine(d.ToString());
        }
    }

    public static string Count(IReadOnlyCollection<Finding> findings)
    {
        var errors = findings.Count(d => d.Severity == Severity.Error);
        var warnings = findings.Count(d => d.Severity == Severity.Warning);
        return $"{errors} error{(errors == 1 ? "" : "s")}, {warnings} warning{(warnings == 1 ? "" : "s")}";
    }
}
