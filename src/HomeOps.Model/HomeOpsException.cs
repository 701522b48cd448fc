namespace HomeOps.Model;

/// <summary>Thrown when input is unusable; carries every finding found so far.</summary>
public sealed class HomeOpsException(IReadOnlyList<Finding> findings)
    : Exception(string.Join(Environment.NewLine, findings))
{
    public IReadOnlyList<Finding> Findings { get; } = findings;

    public HomeOpsException(Finding finding) : this([finding]) { }
}
