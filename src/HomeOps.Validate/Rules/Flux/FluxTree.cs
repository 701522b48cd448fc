using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using HomeOps.Compile.Repository;
using HomeOps.Model.Repository;

using HomeOps.Model.Yaml;

namespace HomeOps.Validate.Rules.Flux;

/// <summary>A namespaced object's identity as references name it.</summary>
public readonly record struct ObjectKey(string Kind, string Namespace, string Name)
{
    public override string ToString() => $"{Kind} {Namespace}/{Name}";
}

/// <summary>Did-you-mean for references to objects of one kind.</summary>
public static class Nearest
{
    /// <summary>
    /// The same name in another namespace first (the usual mistake: a reference without namespace
    /// means the referrer's own), else the closest name in the target's namespace, else in any.
    /// </summary>
    public static ObjectKey? To(ObjectKey target, IEnumerable<ObjectKey> candidates)
    {
        var sameKind = candidates.Where(c => c.Kind == target.Kind).ToList();
        if (sameKind.FirstOrDefault(c => c.Name == target.Name) is { Name.Length: > 0 } elsewhere) return elsewhere;
        var inNamespace = sameKind.Where(c => c.Namespace == target.Namespace).ToList();
        if (Suggest.Nearest(target.Name, inNamespace.Select(c => c.Name)) is { } name) return inNamespace.First(c => c.Name == name);
        var any = Suggest.Nearest($"{target.Namespace}/{target.Name}", sameKind.Select(c => $"{c.Namespace}/{c.Name}"));
        return any is null ? null : sameKind.First(c => $"{c.Namespace}/{c.Name}" == any);
    }

    /// <summary>The hint text: the suggestion written as the reference should be.</summary>
    public static string? Hint(ObjectKey target, IEnumerable<ObjectKey> candidates) => To(target, candidates) is not { } near ? null
        : near.Namespace == target.Namespace ? $"did you mean '{near.Name}'?"
        : $"did you mean '{near.Name}' in namespace {near.Namespace}? set namespace: {near.Namespace} on the reference (without it, the referrer's own namespace is meant)";
}

/// <summary>Where a Flux Kustomization's build puts a file: which Kustomization reaches it, and the namespace kustomize forces on it (null: none).</summary>
public sealed record Placement(Manifest Owner, string? Namespace);

/// <summary>
/// The repository as Flux sees it: its Flux Kustomizations, HelmReleases and sources, the
/// kustomization.yaml overlays, and which files each Flux Kustomization's build reaches. Computed once
/// per model and shared by the Flux rule sets (they run in parallel; the model is immutable).
/// </summary>
public sealed class FluxTree
{
    public const string KustomizeGroup = "kustomize.config.k8s.io";
    public const string FluxKustomizeGroup = "kustomize.toolkit.fluxcd.io";
    public const string HelmGroup = "helm.toolkit.fluxcd.io";
    public const string SourceGroup = "source.toolkit.fluxcd.io";

    /// <summary>Where Flux objects live when they name no namespace (flux bootstrap's convention).</summary>
    public const string FluxNamespace = "flux-system";

    private static readonly ConditionalWeakTable<RepoModel, FluxTree> Cache = new();

    /// <summary>Kinds kustomize's namespace field leaves alone; only those references here can name.</summary>
    private static readonly HashSet<string> ClusterScoped = ["Namespace", "ClusterSecretStore", "ClusterExternalSecret", "ClusterIssuer", "ClusterRole",
        "ClusterRoleBinding", "CustomResourceDefinition", "StorageClass", "PersistentVolume", "PriorityClass", "IngressClass"];

    private readonly RepoPaths _paths;
    private readonly Dictionary<string, Placement> _placements = new(StringComparer.Ordinal);

    public static FluxTree Of(RepoModel repo) => Cache.GetValue(repo, r => new FluxTree(r));

    private FluxTree(RepoModel repo)
    {
        Repo = repo;
        _paths = new RepoPaths(repo.Files.Select(f => f.Path));
        Kustomizations = repo.OfKind(FluxKustomizeGroup, "Kustomization").ToList();
        HelmReleases = repo.OfKind(HelmGroup, "HelmRelease").ToList();
        Overlays = repo.OfKind(KustomizeGroup, "Kustomization").Concat(repo.OfKind(KustomizeGroup, "Component"))
            .Where(m => m.Index == 0 && IsOverlayFile(m.File))
            .ToDictionary(m => RepoPaths.DirectoryOf(m.File), StringComparer.Ordinal);
        foreach (var k in Kustomizations.Where(FromThisRepository))
            if (PathOf(k) is { } path && _paths.IsDirectory(path))
                new KustomizeWalk(this, k).Visit(path, Manifest.Text(k.Body["spec"].Field("targetNamespace")));
    }

    public RepoModel Repo { get; }

    public RepoPaths Paths => _paths;

    /// <summary>Flux Kustomizations (kustomize.toolkit.fluxcd.io), in repository order.</summary>
    public IReadOnlyList<Manifest> Kustomizations { get; }

    public IReadOnlyList<Manifest> HelmReleases { get; }

    /// <summary>kustomize's kustomization.yaml (or Component) per directory.</summary>
    public IReadOnlyDictionary<string, Manifest> Overlays { get; }

    /// <summary>Files some Flux Kustomization's build uses (manifests, kustomization.yaml, patches, generator inputs), with the first that does.</summary>
    public IReadOnlyDictionary<string, Placement> Placements => _placements;

    public static bool IsOverlayFile(string path) => Path.GetFileName(path) is "kustomization.yaml" or "kustomization.yml";

    /// <summary>
    /// The namespace an object ends up in: a namespace forced by the build that reaches it
    /// (spec.targetNamespace, else the outermost kustomization.yaml namespace, as kustomize applies
    /// them), else metadata.namespace, else flux-system for Flux objects and "default" for the rest.
    /// </summary>
    public string NamespaceOf(Manifest manifest) =>
        (ClusterScoped.Contains(manifest.Kind) ? null : _placements.GetValueOrDefault(manifest.File)?.Namespace)
        ?? manifest.Namespace
        ?? (manifest.Group.EndsWith(".toolkit.fluxcd.io", StringComparison.Ordinal) ? FluxNamespace : "default");

    public ObjectKey KeyOf(Manifest manifest) => new(manifest.Kind, NamespaceOf(manifest), manifest.Name);

    /// <summary>A Flux Kustomization's spec.path relative to the repository root ("" for the root); null when it climbs out of it.</summary>
    public static string? PathOf(Manifest kustomization) => RepoPaths.Join("", Manifest.Text(kustomization.Body["spec"].Field("path")) ?? "");

    /// <summary>
    /// Whether a Flux Kustomization builds this repository: its source is a GitRepository whose URL is
    /// bootstrap-config.yaml's git.url. Without that URL (or without the source) every GitRepository
    /// counts; OCIRepository and Bucket artifacts are built elsewhere and are never this tree.
    /// </summary>
    public bool FromThisRepository(Manifest kustomization)
    {
        var source = kustomization.Body["spec"].Field("sourceRef");
        if (Manifest.Text(source.Field("kind")) is { } kind && kind != "GitRepository") return false;
        var url = Manifest.Text(Repo.Bootstrap.Field("git").Field("url"));
        if (url is null) return true;
        var key = new ObjectKey("GitRepository", Manifest.Text(source.Field("namespace")) ?? NamespaceOf(kustomization), Manifest.Text(source.Field("name")) ?? "");
        var repository = Repo.OfKind(SourceGroup, "GitRepository").FirstOrDefault(g => KeyOf(g) == key);
        return repository is null || SameUrl(Manifest.Text(repository.Body["spec"].Field("url")) ?? "", url);
    }

    private static bool SameUrl(string a, string b)
    {
        static string Norm(string url)
        {
            var s = url.Trim().TrimEnd('/').ToLowerInvariant();
            return s.EndsWith(".git", StringComparison.Ordinal) ? s[..^4] : s;
        }
        return Norm(a) == Norm(b);
    }

    /// <summary>The node at a JSON pointer (no escapes: the pointers here are written in code), or null.</summary>
    public static JsonNode? Resolve(JsonNode? node, string pointer) =>
        pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Aggregate(node, (at, part) => at switch
        {
            JsonObject o => o[part],
            JsonArray a when int.TryParse(part, out var i) && i >= 0 && i < a.Count => a[i],
            _ => null,
        });

    /// <summary>The string entries of a list field with their JSON pointers (non-strings skipped).</summary>
    public static IEnumerable<(string Value, string Pointer)> Strings(JsonNode? list, string pointer) =>
        (list as JsonArray ?? []).Select((item, i) => (Value: Manifest.Text(item), Pointer: $"{pointer}/{i}"))
            .Where(e => e.Value is not null).Select(e => (e.Value!, e.Pointer));

    /// <summary>
    /// Follows what one Flux Kustomization's build reads, the way kustomize-controller does: a
    /// directory with kustomization.yaml contributes what it lists (directories recursively), one
    /// without gets a generated kustomization holding all its YAML, subdirectories included.
    /// </summary>
    private sealed class KustomizeWalk(FluxTree tree, Manifest owner)
    {
        private readonly HashSet<string> _visited = new(StringComparer.Ordinal);

        public void Visit(string directory, string? forcedNamespace)
        {
            if (!_visited.Add(directory)) return;
            if (!tree.Overlays.TryGetValue(directory, out var overlay))
            {
                foreach (var file in tree._paths.FilesIn(directory).Where(RepoPaths.IsYaml)) Place(file, forcedNamespace);
                foreach (var sub in tree._paths.DirectoriesIn(directory)) Visit(sub, forcedNamespace);
                return;
            }
            // The outer kustomization's namespace transformer runs last, so the outermost namespace wins.
            var ns = forcedNamespace ?? Manifest.Text(overlay.Body["namespace"]);
            Place(overlay.File, ns);
            foreach (var entry in KustomizeFields.Entries(overlay))
            {
                if (RepoPaths.Join(directory, entry.Path) is not { } target) continue;
                if (entry.IsResource && tree._paths.IsDirectory(target)) Visit(target, ns);
                else if (tree._paths.IsFile(target)) Place(target, ns);
            }
        }

        private void Place(string file, string? ns) => tree._placements.TryAdd(file, new Placement(owner, ns));
    }
}
