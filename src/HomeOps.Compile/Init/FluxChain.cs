using System.Text.RegularExpressions;

namespace HomeOps.Compile.Init;

/// <summary>
/// The cluster's Flux Kustomizations (clusters/&lt;name&gt;/infrastructure.yaml, apps.yaml) without those whose folder a spec
/// leaves out: their documents go, and their names leave every other one's dependsOn (an empty dependsOn goes too). Text
/// edits on the reference file, so its comments and order stay as they are.
/// </summary>
public static partial class FluxChain
{
    /// <summary>The Flux Kustomizations in <paramref name="text"/> whose spec.path is one of <paramref name="folders"/> ("infrastructure/monitoring/").</summary>
    public static IReadOnlyList<string> ApplyingAny(string text, IReadOnlyCollection<string> folders) =>
    [
        .. text.Split("\n---\n").Select(document => (Name: NamePattern().Match(document), Path: PathPattern().Match(document)))
            .Where(d => d.Name.Success && d.Path.Success && folders.Contains(d.Path.Groups[1].Value + "/"))
            .Select(d => d.Name.Groups[1].Value),
    ];

    public static string Without(string text, IReadOnlyCollection<string> removed)
    {
        if (removed.Count == 0) return text;
        var kept = new List<string>();
        foreach (var document in text.Split("\n---\n"))
        {
            if (NamePattern().Match(document) is { Success: true } name && removed.Contains(name.Groups[1].Value)) continue;
            var lines = document.Split('\n').Where(line => !removed.Any(r => line == $"    - name: {r}")).ToList();
            // a dependsOn left with no entries
            for (var i = lines.Count - 1; i >= 0; i--)
                if (lines[i] == "  dependsOn:" && (i + 1 == lines.Count || !lines[i + 1].StartsWith("    - ", StringComparison.Ordinal)))
                    lines.RemoveAt(i);
            kept.Add(string.Join('\n', lines));
        }
        return string.Join("\n---\n", kept);
    }

    [GeneratedRegex(@"\nmetadata:\n  name: ([a-z0-9-]+)\n")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"\n  path: \./([^\s]+)\n")]
    private static partial Regex PathPattern();
}
