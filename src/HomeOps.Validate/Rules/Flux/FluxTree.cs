using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using HomeOps.Compile.Flux;
using HomeOps.Compile.Kustomize;
using HomeOps.Compile.Repository;
using HomeOps.Model.Repository;

using HomeOps.Model.Yaml;

namespace HomeOps.Validate.Rules.Flux;

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

/// <summary>
/// The Flux rules' view of the repository: the Flux objects as applied (<see cref="FluxModel"/>: what
/// the tree's builds produce, plus the roots flux bootstrap or a FluxInstance creates) and the
/// kustomization files as written. Shared by the Flux rule sets; the model is built once per repository.
/// </summary>
public sealed class FluxTree
{
    public const string KustomizeGroup = "kustomize.config.k8s.io";
    public const string FluxKustomizeGroup = FluxModel.KustomizeToolkitGroup;
    public const string HelmGroup = FluxModel.HelmGroup;
    public const string SourceGroup = FluxModel.SourceGroup;

    /// <summary>Where Flux objects live when they name no namespace (flux bootstrap's convention).</summary>
    public const string FluxNamespace = FluxModel.FluxNamespace;

    private static readonly ConditionalWeakTable<ClusterView, FluxTree> Cache = new();

    /// <summary>The tree of every cluster the repository describes.</summary>
    public static FluxTree Of(RepoModel repo) => Of(repo, repo.Cluster);

    /// <summary>The tree of one cluster (see <see cref="RepoModel.Clusters"/>).</summary>
    public static FluxTree Of(RepoModel repo, ClusterView cluster) => Cache.GetValue(cluster, c => new FluxTree(repo, c));

    private FluxTree(RepoModel repo, ClusterView cluster)
    {
        Repo = repo;
        Cluster = cluster;
        Kustomizations = cluster.OfKind(FluxKustomizeGroup, "Kustomization").ToList();
        HelmReleases = cluster.OfKind(HelmGroup, "HelmRelease").ToList();
        Overlays = repo.OfKind(KustomizeGroup, "Kustomization").Concat(repo.OfKind(KustomizeGroup, "Component"))
            .Where(m => m.Index == 0 && IsOverlayFile(m.File))
            .ToDictionary(m => RepoPaths.DirectoryOf(m.File), StringComparer.Ordinal);
    }

    public RepoModel Repo { get; }

    /// <summary>The cluster's objects as applied.</summary>
    public ClusterView Cluster { get; }

    public FluxModel Model => Repo.Flux;

    public RepoPaths Paths => Repo.Documents.Paths;

    /// <summary>Flux Kustomizations as applied (all of them as written when no Flux tree builds this repository).</summary>
    public IReadOnlyList<Manifest> Kustomizations { get; }

    public IReadOnlyList<Manifest> HelmReleases { get; }

    /// <summary>kustomize's kustomization.yaml (or Component) per directory, as written.</summary>
    public IReadOnlyDictionary<string, Manifest> Overlays { get; }

    public static bool IsOverlayFile(string path) => KustomizeBuilder.KustomizationFileNames.Contains(Path.GetFileName(path));

    /// <summary>The namespace an object lives in (see <see cref="FluxModel.NamespaceOf"/>).</summary>
    public static string NamespaceOf(Manifest manifest) => FluxModel.NamespaceOf(manifest);

    public static ObjectKey KeyOf(Manifest manifest) => FluxModel.KeyOf(manifest);

    /// <summary>A Flux Kustomization's spec.path relative to the repository root ("" for the root); null when it climbs out of it.</summary>
    public static string? PathOf(Manifest kustomization) => FluxModel.PathOf(kustomization);

    /// <summary>Whether a Flux Kustomization builds this repository (see <see cref="FluxModel.BuildsThisRepository"/>).</summary>
    public bool FromThisRepository(Manifest kustomization) => Model.BuildsThisRepository(kustomization);

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
}
