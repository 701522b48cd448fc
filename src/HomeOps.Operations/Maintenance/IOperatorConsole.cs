namespace HomeOps.Operations.Maintenance;

/// <summary>How an operation talks to the operator: lines out, yes/no, and a typed answer.</summary>
public interface IOperatorConsole
{
    void Say(string line);

    /// <summary>True when the operator agreed; false when declined or when nobody can answer.</summary>
    bool Confirm(string question);

    /// <summary>A line typed in answer to <paramref name="prompt"/>; null when there is no input.</summary>
    string? Ask(string prompt);
}
