using HomeOps.Model.Init;

namespace HomeOps.Compile.Init;

/// <summary>
/// The cluster's Flux Kustomizations (clusters/&lt;name&gt;/infrastructure.yaml) with the optional components a spec leaves
/// out removed: their documents, and their names from every other one's dependsOn (an empty dependsOn goes too). Text
/// edits on the reference file, so its comments and order stay as they are.
/// </summary>
public static class FluxChain
{
    public const string ReferencePath = "clusters/home-ops/infrastructure.yaml";

    /// <summary>The Flux Kustomizations each optional component brings (reference names).</summary>
    public static IReadOnlyList<string> LeftOut(ClusterSpec spec) =>
    [
        .. spec.Components.Sso ? [] : new[] { "authentik-database", "authentik", "authentik-proxy" },
        .. spec.Components.CloudflareTunnel ? [] : new[] { "cloudflared" },
        .. spec.Components.Longhorn ? [] : new[] { "longhorn", "longhorn-backup" },
        .. spec.Components.Monitoring ? [] : new[] { "monitoring" },
    ];

    public static string Without(string text, IReadOnlyCollection<string> removed)
    {
        if (removed.Count == 0) return text;
        var documents = text.Split("\n---\n");
        var kept = new List<string>();
        foreach (var document in documents)
        {
            if (removed.Any(name => document.Contains($"\nmetadata:\n  name: {name}\n", StringComparison.Ordinal))) continue;
            var lines = document.Split('\n').Where(line => !removed.Any(name => line == $"    - name: {name}")).ToList();
            // a dependsOn left with no entries
            for (var i = lines.Count - 1; i >= 0; i--)
                if (lines[i] == "  dependsOn:" && (i + 1 == lines.Count || !lines[i + 1].StartsWith("    - ", StringComparison.Ordinal)))
                    lines.RemoveAt(i);
            kept.Add(string.Join('\n', lines));
        }
        return string.Join("\n---\n", kept);
    }
}
