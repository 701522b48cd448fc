namespace HomeOps.Operations.Tools;

/// <summary>A finished tool invocation, with the command line as it may be shown (secrets redacted).</summary>
public sealed record ToolResult(string CommandLine, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The last lines of stderr (or stdout when stderr is empty), for failure messages.</summary>
    public string Tail(int lines = 15)
    {
        var text = Stderr.Trim().Length > 0 ? Stderr : Stdout;
        return string.Join('\n', text.TrimEnd().Split('\n').TakeLast(lines));
    }
}

/// <summary>A tool exited non-zero (or could not be started); carries the result for the failure report.</summary>
public sealed class ToolFailedException(ToolResult result, string? message = null)
    : Exception(message ?? $"`{result.CommandLine}` exited {result.ExitCode}")
{
    public ToolResult Result { get; } = result;
}

/// <summary>Every adapter can say which version of its tool is installed (null: not on PATH).</summary>
public interface IVersionedTool
{
    string Name { get; }

    Task<string?> VersionAsync(CancellationToken cancel);
}
