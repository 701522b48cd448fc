using System.Text.Json.Nodes;

namespace HomeOps.Compile.Kustomize;

/// <summary>A field kustomize's transformers touch: a '/'-path in objects of a kind ("" any; "group/Kind" also checks the group).</summary>
public sealed record FieldSpec(string Kind, string Path, bool Create)
{
    public bool Selects(string group, string kind)
    {
        if (Kind.Length == 0) return true;
        var slash = Kind.LastIndexOf('/');
        if (slash < 0) return Kind == kind;
        var wantedGroup = Kind[..slash];
        // "v1/Service": the core group (a version, not a group, stands before the kind)
        return Kind[(slash + 1)..] == kind && (wantedGroup == group || wantedGroup == "v1" && group.Length == 0);
    }
}

/// <summary>Where references to an object of some kind sit, so kustomize can follow its renames.</summary>
public sealed record NameReference(string TargetKind, IReadOnlyList<FieldSpec> Referrers);

/// <summary>The facts kustomize's built-in transformers act on (kustomize-builtins.json, with its sources).</summary>
public sealed class Builtins
{
    public required IReadOnlySet<string> ClusterScoped { get; init; }
    public required IReadOnlyList<FieldSpec> SelectorLabels { get; init; }
    public required IReadOnlyList<FieldSpec> TemplateLabels { get; init; }
    public required IReadOnlyList<FieldSpec> Annotations { get; init; }
    public required IReadOnlyList<string> Images { get; init; }
    public required IReadOnlySet<string> ReplicaKinds { get; init; }
    public required IReadOnlyList<NameReference> NameReferences { get; init; }
    public required IReadOnlyDictionary<string, string> MergeKeys { get; init; }

    public static Builtins Instance { get; } = Load();

    /// <summary>kustomize leaves metadata.namespace alone on these (apiVersion and kind as its OpenAPI data knows them); every other kind is namespaced to it.</summary>
    public bool IsClusterScoped(string apiVersion, string kind) => ClusterScoped.Contains($"{apiVersion}/{kind}");

    private static Builtins Load()
    {
        using var stream = typeof(Builtins).Assembly.GetManifestResourceStream("HomeOps.Compile.Kustomize.kustomize-builtins.json")
                           ?? throw new InvalidOperationException("kustomize-builtins.json is not embedded");
        var data = JsonNode.Parse(stream)!.AsObject();
        static List<FieldSpec> Specs(JsonNode? list) =>
            (list as JsonArray ?? []).OfType<JsonObject>().Select(s => new FieldSpec((string?)s["kind"] ?? "", (string)s["path"]!, (bool?)s["create"] ?? false)).ToList();
        var podTemplates = data["podTemplateKinds"]!.AsObject().Select(p => (Kind: p.Key, Template: (string)p.Value!)).ToList();
        var references = new List<NameReference>();
        foreach (var (target, spec) in data["nameReference"]!.AsObject())
        {
            var referrers = new List<FieldSpec>();
            foreach (var path in (spec!["podSpec"] as JsonArray ?? []).Select(p => (string)p!))
            {
                referrers.Add(new FieldSpec("v1/Pod", $"spec/{path}", false));
                referrers.AddRange(podTemplates.Select(t => new FieldSpec(t.Kind, $"{t.Template}/spec/{path}", false)));
            }
            referrers.AddRange(Specs(spec["other"]));
            references.Add(new NameReference(target, referrers));
        }
        return new Builtins
        {
            ClusterScoped = data["clusterScoped"]!.AsArray().Select(k => (string)k!).ToHashSet(StringComparer.Ordinal),
            SelectorLabels = Specs(data["selectorLabels"]),
            TemplateLabels = Specs(data["templateLabels"]),
            Annotations = Specs(data["annotations"]),
            Images = data["images"]!.AsArray().Select(p => (string)p!).ToList(),
            ReplicaKinds = data["replicas"]!.AsArray().Select(k => (string)k!).ToHashSet(StringComparer.Ordinal),
            NameReferences = references,
            MergeKeys = data["mergeKeys"]!.AsObject().Where(p => p.Value is not null).ToDictionary(p => p.Key, p => (string)p.Value!, StringComparer.Ordinal),
        };
    }
}
