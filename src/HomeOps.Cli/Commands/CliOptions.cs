using System.CommandLine;
using HomeOps.Model;

namespace HomeOps.Cli.Commands;

/// <summary>
/// The options every command shares, defined once (docs/cli.md). A command that shows data takes --format; one that
/// writes a file takes --out; one that changes anything takes --dry-run, and --yes where it would ask; waiting is
/// bounded by --timeout, a Go-style duration. -C and --kubeconfig hold for every command.
/// </summary>
public static class CliOptions
{
    public static readonly Option<string> Directory = new("--directory", "-C", "--repo")
    {
        Description = "Run as if homeops was started in DIR: the repository root (holds talconfig.yaml); paths given to commands are relative to it",
        DefaultValueFactory = _ => ".",
        HelpName = "DIR",
        Recursive = true,
    };

    public static readonly Option<string> Kubeconfig = new("--kubeconfig")
    {
        Description = "Kubeconfig of the live cluster (default: $KUBECONFIG, else the one bootstrap wrote, .homeops/kubeconfig)",
        HelpName = "FILE",
        Recursive = true,
    };

    public static readonly Option<string> ApiServer = new("--api-server")
    {
        Description = "The Kubernetes API address when it is reached another way (an SSH tunnel, a port-forward): the kubeconfig's server must then be " +
                      "exactly this URL. Without it, the server must be talconfig.yaml's endpoint or a control plane's VIP",
        HelpName = "URL",
        Recursive = true,
    };

    /// <summary>--format/-o: how a command prints its data; the first of <paramref name="formats"/> is the default.</summary>
    public static Option<string> Format(string description, params string[] formats)
    {
        var option = new Option<string>("--format", "-o")
        {
            Description = $"{description} ({string.Join(", ", formats)})",
            DefaultValueFactory = _ => formats[0],
        };
        option.AcceptOnlyFromAmong(formats);
        return option;
    }

    /// <summary>--out: the file a command writes (a command that writes several takes a directory).</summary>
    public static Option<string> Out(string description) => new("--out") { Description = description, HelpName = "PATH" };

    public static Option<bool> Yes(string description = "Do not ask for confirmation (required when not on a terminal)") =>
        new("--yes", "-y") { Description = description };

    public static Option<bool> DryRun(string description = "Show what would be done, with the exact commands, and change nothing") =>
        new("--dry-run") { Description = description };

    /// <summary>--timeout as a duration (90s, 15m, 1h30m); <paramref name="aliases"/> keep older spellings working.</summary>
    public static Option<TimeSpan> Timeout(string defaultValue, string description, params string[] aliases) =>
        new("--timeout", aliases)
        {
            Description = $"{description} (a duration: 90s, 15m, 1h30m; default {defaultValue})",
            HelpName = "DURATION",
            DefaultValueFactory = _ => Duration(defaultValue),
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : defaultValue;
                if (GoDuration.TryParse(text, out var value) && value > TimeSpan.Zero) return value;
                result.AddError($"--timeout '{text}' is not a duration; write it like 90s, 15m or 1h30m");
                return default;
            },
        };

    public static Option<string[]> SchemaLocation() => new("--schema-location")
    {
        Description = "Where to find JSON schemas, in order: a directory laid out as talos/<line>/config.schema.json and " +
                      "crds/<group>/<kind>_<version>.json, an https base URL, or 'default' (upstream; downloads are cached in " +
                      "$XDG_CACHE_HOME/homeops/schemas). Repeatable; upstream is used only when named or when no location is given. " +
                      "Env: HOMEOPS_SCHEMA_LOCATION (':'-separated; the ':' of https:// does not separate).",
        HelpName = "DIR|URL",
    };

    private static TimeSpan Duration(string text) =>
        GoDuration.TryParse(text, out var value) ? value : throw new ArgumentException($"default duration '{text}' does not parse", nameof(text));
}
