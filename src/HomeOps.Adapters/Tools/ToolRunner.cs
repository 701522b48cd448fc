using System.Text;
using CliWrap;
using CliWrap.Buffered;
using HomeOps.Operations.Tools;

namespace HomeOps.Adapters.Tools;

/// <summary>
/// Runs one external CLI: the executable is resolved on PATH (the PATH given in the environment
/// overrides the process's), arguments are passed as a list (never through a shell), stdin is optional.
/// A non-zero exit is a <see cref="ToolResult"/>, never an exception; a missing executable is exit 127
/// with a clear message. Every value in the redact list is replaced by *** in the command line and
/// in both output streams. Cancellation kills the process and throws <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class ToolRunner(IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
{
    public const int NotFoundExitCode = 127;
    private const string NotFoundMarker = "homeops: executable not found: ";

    public IReadOnlyDictionary<string, string> Environment { get; } = environment ?? new Dictionary<string, string>();

    /// <summary>True when the result says the executable is not on PATH (not merely a tool that exited 127).</summary>
    public static bool IsNotFound(ToolResult result) =>
        result.ExitCode == NotFoundExitCode && result.Stderr.StartsWith(NotFoundMarker, StringComparison.Ordinal);

    /// <param name="environment">Variables for this call only, over <see cref="Environment"/>; a null value removes the variable.</param>
    public async Task<ToolResult> RunAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancel,
        string? stdin = null, IReadOnlyCollection<string>? redact = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var secrets = (redact ?? []).Where(s => !string.IsNullOrEmpty(s)).OrderByDescending(s => s.Length).ToList();
        string Redact(string text) => secrets.Aggregate(text, (t, s) => t.Replace(s, "***", StringComparison.Ordinal));
        var commandLine = Redact(Format(tool, arguments));

        if (Resolve(tool) is not { } path)
            return new ToolResult(commandLine, NotFoundExitCode, "",
                $"{NotFoundMarker}{tool} (searched PATH: {SearchPath()}); install {tool} or put it on PATH\n");

        var variables = Environment.ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>()) variables[name] = value;
        var command = Cli.Wrap(path)
            .WithArguments(arguments)
            .WithEnvironmentVariables(variables)
            .WithValidation(CommandResultValidation.None);
        if (workingDirectory is not null) command = command.WithWorkingDirectory(workingDirectory);
        if (stdin is not null) command = command.WithStandardInputPipe(PipeSource.FromString(stdin, new UTF8Encoding(false)));

        try
        {
            var result = await command.ExecuteBufferedAsync(cancel);
            return new ToolResult(commandLine, result.ExitCode, Redact(result.StandardOutput), Redact(result.StandardError));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // found but not startable (not executable, bad interpreter): as useless as missing, said plainly
            return new ToolResult(commandLine, NotFoundExitCode, "", $"{NotFoundMarker}{tool} at {path} could not be started: {e.Message}\n");
        }
    }

    /// <summary>The full path of <paramref name="tool"/> on the effective PATH, or null.</summary>
    public string? Resolve(string tool)
    {
        if (tool.Contains(Path.DirectorySeparatorChar)) return IsExecutable(tool) ? Path.GetFullPath(tool) : null;
        foreach (var dir in SearchPath().Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, tool);
            if (IsExecutable(candidate)) return candidate;
            if (OperatingSystem.IsWindows() && IsExecutable(candidate + ".exe")) return candidate + ".exe";
        }
        return null;
    }

    private string SearchPath() =>
        Environment.TryGetValue("PATH", out var p) ? p : System.Environment.GetEnvironmentVariable("PATH") ?? "";

    private static bool IsExecutable(string path)
    {
        if (!File.Exists(path)) return false;
        if (OperatingSystem.IsWindows()) return true;
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & anyExecute) != 0;
    }

    /// <summary>A command line as a POSIX shell would accept it (for messages and the dry-run plan).</summary>
    public static string Format(string tool, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { tool }.Concat(arguments).Select(Quote));

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,@+%".Contains(c))
            ? arg
            : "'" + arg.Replace("'", "'\\''") + "'";
}

/// <summary>Helpers the adapters share: failing loudly, and reading version strings.</summary>
internal static class ToolResults
{
    /// <summary>
    /// The environment that keeps a Go tool off the network: Go's default transport sends every https request through
    /// HTTPS_PROXY (net/http.ProxyFromEnvironment, golang.org/x/net/http/httpproxy: HTTPS_PROXY before https_proxy, NO_PROXY
    /// before no_proxy), and nothing listens on the discard port, so the request fails at once instead of leaving the machine.
    /// `cilium version --client` needs it: it always fetches raw.githubusercontent.com/cilium/cilium/main/stable.txt
    /// (cilium-cli@v0.16.24:vendor/github.com/cilium/cilium/cilium-cli/cli/version.go:19-31).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> Offline = new Dictionary<string, string?>
    {
        ["HTTPS_PROXY"] = "http://127.0.0.1:9",
        ["https_proxy"] = null,
        ["HTTP_PROXY"] = "http://127.0.0.1:9",
        ["http_proxy"] = null,
        ["NO_PROXY"] = null,
        ["no_proxy"] = null,
    };

    /// <summary>Throws <see cref="ToolFailedException"/> unless the tool exited 0.</summary>
    public static ToolResult Check(this ToolResult result, string? what = null)
    {
        if (result.ExitCode == 0) return result;
        if (ToolRunner.IsNotFound(result))
            throw new ToolFailedException(result, result.Stderr.Trim());
        throw new ToolFailedException(result, $"{what ?? $"`{result.CommandLine}`"} exited {result.ExitCode}: {result.Tail(5)}");
    }

    /// <summary>"v1.10.5" from any text holding a version (with or without the leading v); null when none.</summary>
    public static string? Version(string text)
    {
        var m = System.Text.RegularExpressions.Regex.Match(text, @"\bv?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)");
        return m.Success ? "v" + m.Groups[1].Value : null;
    }

    /// <summary>
    /// Runs a version command: null when the tool is missing; throws when it fails or prints no version, naming what the
    /// versions homeops supports print (<paramref name="expected"/>). Version commands run with <see cref="Offline"/>: a tool
    /// that would look something up on the internet fails that lookup at once.
    /// </summary>
    public static async Task<string?> VersionAsync(this ToolRunner runner, string tool, string[] arguments, Func<ToolResult, string?> parse,
        string expected, CancellationToken cancel)
    {
        var result = await runner.RunAsync(tool, arguments, cancel, environment: Offline);
        if (ToolRunner.IsNotFound(result)) return null;
        result.Check();
        if (parse(result) is { } version) return version;
        var seen = result.Tail(3) is { Length: > 0 } tail ? $"no version I can read ({tail})" : "nothing";
        throw new ToolFailedException(result, $"`{result.CommandLine}` printed {seen}; expected {expected}");
    }
}
