namespace HomeOps.Model;

public enum Severity { Error, Warning, Info }

/// <summary>A position in a source file; line and column are 1-based, 0 when unknown.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public static SourceLocation InFile(string file) => new(file, 0, 0);

    public override string ToString() =>
        Line > 0 ? $"{File}:{Line}:{Column}" : File;
}

/// <summary>One finding. Rule ids are part of the public interface (docs/rules.md).</summary>
public sealed record Finding(string Rule, Severity Severity, SourceLocation Location, string Message, string? Hint = null)
{
    public static Finding Error(string rule, SourceLocation at, string message, string? hint = null) =>
        new(rule, Severity.Error, at, message, hint);

    public static Finding Warning(string rule, SourceLocation at, string message, string? hint = null) =>
        new(rule, Severity.Warning, at, message, hint);

    public override string ToString()
    {
        var severity = Severity.ToString().ToLowerInvariant();
        var text = $"{Location} {severity} {Rule} {Message}";
        return Hint is null ? text : $"{text}\n  hint: {Hint}";
    }
}

/// <summary>Collects findings; thread-safe so rules may report in parallel.</summary>
public sealed class FindingBag
{
    private readonly List<Finding> _items = [];
    private readonly Lock _gate = new();

    public void Add(Finding finding)
    {
        lock (_gate) _items.Add(finding);
    }

    public bool HasErrors
    {
        get { lock (_gate) return _items.Any(d => d.Severity == Severity.Error); }
    }

    public IReadOnlyList<Finding> Sorted()
    {
        lock (_gate)
            return _items
                .OrderBy(d => d.Location.File, StringComparer.Ordinal)
                .ThenBy(d => d.Location.Line)
                .ThenBy(d => d.Location.Column)
                .ThenBy(d => d.Rule, StringComparer.Ordinal)
                .ToList();
    }
}

/// <summary>Thrown when input is unusable; carries every finding found so far.</summary>
public sealed class HomeOpsException(IReadOnlyList<Finding> findings)
    : Exception(string.Join(Environment.NewLine, findings))
{
    public IReadOnlyList<Finding> Findings { get; } = findings;

    public HomeOpsException(Finding finding) : this([finding]) { }
}
