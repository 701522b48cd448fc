using HomeOps.Model;

namespace HomeOps.Validate.Engine;

/// <summary>The result of a run: findings plus what the summary reports.</summary>
/// <param name="Timings">Wall time of each rule set, for `validate --timings`.</param>
/// <param name="Templates">Template files (*.j2, *.tmpl, ...): counted, never judged as objects (docs/rules.md).</param>
public sealed record ValidationReport(IReadOnlyList<Finding> Findings, int Files, int Documents, TimeSpan Duration, IReadOnlyDictionary<string, TimeSpan> Timings, int Templates = 0)
{
    public int Errors => Findings.Count(d => d.Severity == Severity.Error);
    public int Warnings => Findings.Count(d => d.Severity == Severity.Warning);
}
