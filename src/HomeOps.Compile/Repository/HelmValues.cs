using System.Text.Json.Nodes;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;

namespace HomeOps.Compile.Repository;

/// <summary>One source of Helm values: a document and the JSON pointer its values start at.</summary>
public sealed record ValuesLayer(Manifest Document, string Pointer)
{
    public JsonObject? Values => Document.Get(Pointer) as JsonObject;
}

/// <summary>
/// A HelmRelease's values as Flux computes them: each valuesFrom ConfigMap that a kustomization.yaml
/// configMapGenerator builds from a file, in order, then the inline spec.values; later layers win
/// key by key. Bootstrap installs with exactly these values, so Flux adopts without a diff.
/// </summary>
public static class HelmValues
{
    public static IReadOnlyList<ValuesLayer> LayersOf(RepoModel repo, Manifest release)
    {
        var layers = new List<ValuesLayer>();
        foreach (var source in (release.Body["spec"].Field("valuesFrom") as JsonArray ?? []).OfType<JsonObject>())
            if (Manifest.Text(source["kind"]) == "ConfigMap" && Manifest.Text(source["name"]) is { } name
                && GeneratedFile(repo, name, Manifest.Text(source["valuesKey"]) ?? "values.yaml") is { } file
                && Parse(file) is { } document)
                layers.Add(new ValuesLayer(document, ""));
        if (release.Body["spec"].Field("values") is JsonObject) layers.Add(new ValuesLayer(release, "/spec/values"));
        return layers;
    }

    /// <summary>The layers merged into one values object (maps merge recursively; anything else is replaced).</summary>
    public static JsonObject Merged(IEnumerable<ValuesLayer> layers)
    {
        var result = new JsonObject();
        foreach (var layer in layers)
            if (layer.Values is { } values) Merge(result, values);
        return result;
    }

    private static void Merge(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source)
        {
            if (value is JsonObject inner && target[key] is JsonObject existing) Merge(existing, inner);
            else target[key] = value?.DeepClone();
        }
    }

    /// <summary>The file a configMapGenerator puts under <paramref name="key"/> of ConfigMap <paramref name="name"/> ("key=path" or a path whose file name is the key).</summary>
    private static RepoFile? GeneratedFile(RepoModel repo, string name, string key)
    {
        foreach (var kustomization in repo.OfKind("kustomize.config.k8s.io", "Kustomization"))
            foreach (var generator in (kustomization.Body["configMapGenerator"] as JsonArray ?? []).OfType<JsonObject>().Where(g => Manifest.Text(g["name"]) == name))
                foreach (var entry in (generator["files"] as JsonArray ?? []).Select(Manifest.Text).OfType<string>())
                {
                    var (entryKey, path) = entry.Contains('=') ? (entry[..entry.IndexOf('=')], entry[(entry.IndexOf('=') + 1)..]) : (Path.GetFileName(entry), entry);
                    if (entryKey != key) continue;
                    var full = RepoPath.Join(Path.GetDirectoryName(kustomization.File) ?? "", path);
                    if (repo.Files.FirstOrDefault(f => f.Path == full) is { } file) return file;
                }
        return null;
    }

    private static Manifest? Parse(RepoFile file)
    {
        if (file.Text is null) return null;
        var documents = YamlDocuments.Parse(file.Text, file.Path, new FindingBag());
        if (documents.Count != 1) return null;
        var positions = new Dictionary<string, YamlDotNet.Core.Mark>(StringComparer.Ordinal);
        try
        {
            return YamlJson.ToJson(documents[0].RootNode, positions) is JsonObject body ? new Manifest(file.Path, 0, body, positions) : null;
        }
        catch (FormatException)
        {
            return null; // yaml/syntax already reports a values file that does not convert
        }
    }
}
