using System.Text.Json.Nodes;
using HomeOps.Compile.Repository;
using HomeOps.Model.Repository;

namespace HomeOps.Validate.Rules.Flux;

/// <summary>A local path a kustomization.yaml names, where it is written, and whether it may be a directory (resources, components).</summary>
public sealed record KustomizeEntry(string Path, string Pointer, bool IsResource);

/// <summary>The fields of a kustomization.yaml that name files, read one way for the walk and for the missing-file check.</summary>
public static class KustomizeFields
{
    private static readonly string[] Resources = ["resources", "components"];
    private static readonly string[] Patches = ["patches", "patchesJson6902"];
    private static readonly string[] Generators = ["configMapGenerator", "secretGenerator"];

    /// <summary>Every local path the overlay reads; remote references (URLs, git) are left to kustomize.</summary>
    public static IEnumerable<KustomizeEntry> Entries(Manifest overlay) => AllEntries(overlay.Body).Where(e => !RepoPaths.IsRemote(e.Path));

    private static IEnumerable<KustomizeEntry> AllEntries(JsonObject body)
    {
        foreach (var field in Resources)
            foreach (var (path, pointer) in FluxTree.Strings(body[field], $"/{field}"))
                yield return new KustomizeEntry(path, pointer, IsResource: true);
        // A patchesStrategicMerge entry is a path or an inline patch; only a one-line entry can be a path.
        foreach (var (path, pointer) in FluxTree.Strings(body["patchesStrategicMerge"], "/patchesStrategicMerge"))
            if (!path.Contains('\n')) yield return new KustomizeEntry(path, pointer, IsResource: false);
        foreach (var field in Patches)
            foreach (var (item, i) in Items(body[field]))
                if (Manifest.Text(item["path"]) is { } path) yield return new KustomizeEntry(path, $"/{field}/{i}/path", IsResource: false);
        foreach (var field in Generators)
            foreach (var (generator, i) in Items(body[field]))
            {
                // files entries may be "key=path"; the key names the data entry, not a file.
                foreach (var (file, pointer) in FluxTree.Strings(generator["files"], $"/{field}/{i}/files"))
                    yield return new KustomizeEntry(file[(file.IndexOf('=') + 1)..], pointer, IsResource: false);
                foreach (var (env, pointer) in FluxTree.Strings(generator["envs"], $"/{field}/{i}/envs"))
                    yield return new KustomizeEntry(env, pointer, IsResource: false);
                if (Manifest.Text(generator["env"]) is { } single) yield return new KustomizeEntry(single, $"/{field}/{i}/env", IsResource: false);
            }
    }

    /// <summary>The Secrets a kustomization.yaml's secretGenerator creates: name and the namespace it asks for (null: the build's).</summary>
    public static IEnumerable<(string Name, string? Namespace)> GeneratedSecrets(Manifest overlay) =>
        Items(overlay.Body["secretGenerator"])
            .Select(g => (Name: Manifest.Text(g.Item["name"]), Namespace: Manifest.Text(g.Item["namespace"])))
            .Where(g => g.Name is not null)
            .Select(g => (g.Name!, g.Namespace));

    private static IEnumerable<(JsonObject Item, int Index)> Items(JsonNode? list) =>
        (list as JsonArray ?? []).Select((item, i) => (Item: item as JsonObject, Index: i)).Where(e => e.Item is not null).Select(e => (e.Item!, e.Index));
}
