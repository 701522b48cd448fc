namespace HomeOps.Model;

public enum Severity { Error, Warning, Info }

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
