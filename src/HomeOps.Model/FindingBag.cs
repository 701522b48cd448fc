namespace HomeOps.Model;

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
