using HomeOps.Model;

namespace HomeOps.Cli.Output;

/// <summary>Findings as text, grouped by file: "file:line:col severity rule message" and a hint line.</summary>
public static class FindingPrinter
{
    public static void Print(IEnumerable<Finding> findings, TextWriter writer)
    {
        foreach (var group in findings.GroupBy(d => d.Location.File))
        {
            foreach (var d in group) writer.WriteLine(Text(d));
        }
    }

    /// <summary>
    /// One finding as text. The file name is escaped whole (a newline in it would start a line of its own); the
    /// message and hint keep their line breaks, but every further line is indented, so nothing in a repository
    /// can print a line that looks like homeops' own (a forged "0 errors").
    /// </summary>
    public static string Text(Finding d)
    {
        var location = d.Location with { File = TerminalText.Escape(d.Location.File) };
        var text = $"{location} {d.Severity.ToString().ToLowerInvariant()} {d.Rule} {TerminalText.EscapeLines(d.Message)}";
        return d.Hint is null ? text : $"{text}\n  hint: {TerminalText.EscapeLines(d.Hint)}";
    }

    public static string Count(IReadOnlyCollection<Finding> findings)
    {
        var errors = findings.Count(d => d.Severity == Severity.Error);
        var warnings = findings.Count(d => d.Severity == Severity.Warning);
        return $"{errors} error{(errors == 1 ? "" : "s")}, {warnings} warning{(warnings == 1 ? "" : "s")}";
    }
}
