using System.Text.RegularExpressions;

namespace HomeOps.Operations.Maintenance;

/// <summary>Reading `talosctl upgrade-k8s` progress output (pkg/cluster/kubernetes: `updating "X" to version`, ` > "IP": starting update`).</summary>
public static partial class UpgradeK8sOutput
{
    [GeneratedRegex("""^ > "([^"]+)": starting update""", RegexOptions.Multiline)]
    private static partial Regex Started();

    /// <summary>The node talosctl was working on last (where a failed run stopped); null when it never got to one.</summary>
    public static string? LastStarted(string stdout) => Started().Matches(stdout).LastOrDefault()?.Groups[1].Value;

    /// <summary>The headline lines (detected version, warnings, discovered nodes, components), without the per-node detail.</summary>
    public static IEnumerable<string> Summary(string stdout) =>
        stdout.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0 && !l.StartsWith(" >", StringComparison.Ordinal) && !l.StartsWith(" <", StringComparison.Ordinal));
}
