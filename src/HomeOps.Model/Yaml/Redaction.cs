namespace HomeOps.Model.Yaml;

/// <summary>
/// Keeps substituted values out of findings: wherever a message or hint quotes a value that came from a variable, it shows
/// the reference (${NAME}) instead. A repository can then not make a CI secret appear in any output format. Values shorter
/// than three characters are left alone: they cannot be secrets and would garble every message that contains them.
/// </summary>
public static class Redaction
{
    public const int MinimumLength = 3;

    public static Finding Apply(Finding finding, IEnumerable<Substitution> substitutions)
    {
        var values = substitutions.Where(s => s.Value.Length >= MinimumLength).DistinctBy(s => s.Value).OrderByDescending(s => s.Value.Length).ToList();
        if (values.Count == 0) return finding;
        return finding with { Message = Redact(finding.Message, values), Hint = finding.Hint is null ? null : Redact(finding.Hint, values) };
    }

    private static string Redact(string text, List<Substitution> values)
    {
        foreach (var (name, value) in values) text = text.Replace(value, $"${{{name}}}", StringComparison.Ordinal);
        return text;
    }
}
