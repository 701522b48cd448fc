using HomeOps.Compile.Kustomize;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;

namespace HomeOps.Compile.Flux;

/// <summary>A namespaced object's identity as references name it.</summary>
public readonly record struct ObjectKey(string Kind, string Namespace, string Name)
{
    public override string ToString() => $"{Kind} {Namespace}/{Name}";
}

/// <summary>One cluster the repository describes: the tree one root (flux bootstrap, a FluxInstance) reaches, and what it applies.</summary>
public sealed record FluxCluster(string Name, IReadOnlyList<FluxKustomization> Kustomizations, IReadOnlyList<Manifest> Applied);

/// <summary>One Flux Kustomization the tree reaches, as Flux sees it, and what its build produced.</summary>
public sealed class FluxKustomization
{
    /// <summary>The Kustomization as applied: rendered by its parent's build (patches, substitution), or made by flux bootstrap / a FluxInstance.</summary>
    public required Manifest Object { get; init; }

    public required ObjectKey Key { get; init; }

    /// <summary>The Kustomization whose build applied this one; null for a root.</summary>
    public FluxKustomization? Parent { get; init; }

    /// <summary>True when no file of the repository defines it (FluxInstance sync, the flux bootstrap sync that is not applied from Git).</summary>
    public bool Synthetic { get; init; }

    /// <summary>Whether its source is this repository (a root GitRepository or one with its URL), so spec.path is a directory here.</summary>
    public bool FromThisRepository { get; internal set; }

    /// <summary>The directory its spec.path names when it builds this repository and the directory exists; null otherwise.</summary>
    public string? Directory { get; internal set; }

    /// <summary>The kustomization Flux hands to kustomize (its file with spec.targetNamespace, patches, components... applied, or a generated one).</summary>
    public Kustomization? Generated { get; internal set; }

    public KustomizeResult? Build { get; internal set; }

    /// <summary>Whether postBuild substitution runs on its objects (a postBuild with at least one variable).</summary>
    public bool Substitutes { get; internal set; }

    /// <summary>What Flux applies: the build's objects, decrypted and substituted.</summary>
    public IReadOnlyList<Manifest> Objects { get; internal set; } = [];

    public string Name => Key.Name;
}

/// <summary>
/// The repository as Flux applies it. From the roots (flux bootstrap's gotk-sync.yaml, a FluxInstance's
/// spec.sync or the flux-instance Helm chart's values, else every Flux Kustomization nothing else
/// applies), each Flux Kustomization that builds this repository is built as kustomize-controller
/// does (its kustomization.yaml or a generated one, plus spec.targetNamespace, namePrefix/Suffix,
/// patches, components and images), its SOPS-encrypted objects read as decrypted (keys known, values
/// not), and its postBuild variables substituted from substitute and substituteFrom (ConfigMaps,
/// Secrets, ExternalSecrets and SOPS Secrets of the tree, and what the bootstrap creates). The
/// Kustomizations its objects hold are built in turn. Pure: the repository in, the model out.
/// </summary>
public sealed class FluxModel
{
    public const string KustomizeToolkitGroup = "kustomize.toolkit.fluxcd.io";
    public const string SourceGroup = "source.toolkit.fluxcd.io";
    public const string HelmGroup = "helm.toolkit.fluxcd.io";
    public const string FluxNamespace = "flux-system";
    public const string SubstituteAnnotation = "kustomize.toolkit.fluxcd.io/substitute";

    private readonly Dictionary<Manifest, List<Manifest>> _instances = new(ReferenceEqualityComparer.Instance);

    /// <summary>The clusters (one per root: most repositories have one).</summary>
    public required IReadOnlyList<FluxCluster> Clusters { get; init; }

    /// <summary>Every Flux Kustomization of every cluster.</summary>
    public required IReadOnlyList<FluxKustomization> Kustomizations { get; init; }

    /// <summary>Every object the clusters get (all builds, in order), plus the root objects flux bootstrap or a FluxInstance creates.</summary>
    public required IReadOnlyList<Manifest> Applied { get; init; }

    /// <summary>Secrets and ConfigMaps the repository's bootstrap creates outside Flux.</summary>
    public required IReadOnlyList<OutsideObject> Outside { get; init; }

    /// <summary>What rendering found: builds that fail, substitutions that fail or use undefined variables, parts not checked.</summary>
    public required IReadOnlyList<Finding> Findings { get; init; }

    /// <summary>Files some build read (manifests, kustomization files, patches, generator inputs, the root definitions).</summary>
    public required IReadOnlySet<string> FilesReached { get; init; }

    /// <summary>Source objects (GitRepository...) that build this repository.</summary>
    public required IReadOnlySet<ObjectKey> ThisRepository { get; init; }

    /// <summary>Whether a Flux Kustomization (applied, or as written) builds this repository.</summary>
    public required Func<Manifest, bool> BuildsThisRepository { get; init; }

    /// <summary>The sops creation rules of the repository's .sops.yaml files.</summary>
    public required IReadOnlyList<SopsCreationRule> SopsRules { get; init; }

    /// <summary>True when some Flux Kustomization builds this repository: then "applied" means reached from the roots.</summary>
    public bool HasTree => Kustomizations.Any(k => k.Directory is not null);

    /// <summary>The objects rendered from a document as written (several when more than one build includes it); empty when no build reaches it.</summary>
    public IReadOnlyList<Manifest> InstancesOf(Manifest asWritten) => _instances.TryGetValue(asWritten, out var list) ? list : [];

    /// <summary>
    /// The namespace an applied object lives in: its metadata.namespace, else flux-system for Flux's
    /// own objects (flux bootstrap's convention) and "default" for the rest.
    /// </summary>
    public static string NamespaceOf(Manifest manifest) =>
        manifest.Namespace ?? (manifest.Group.EndsWith(".toolkit.fluxcd.io", StringComparison.Ordinal) ? FluxNamespace : "default");

    public static ObjectKey KeyOf(Manifest manifest) => new(manifest.Kind, NamespaceOf(manifest), manifest.Name);

    /// <summary>A Flux Kustomization's spec.path relative to the repository root ("" for the root); null when it climbs out of it.</summary>
    public static string? PathOf(Manifest kustomization) => RepoPaths.Join("", Manifest.Text(kustomization.Body["spec"].Field("path")) ?? "");

    public static FluxModel Of(RepoModel repo) => new FluxRender(repo).Run();

    internal void Index()
    {
        foreach (var k in Kustomizations)
            foreach (var o in k.Objects)
                if (o.Source is { } source)
                {
                    if (!_instances.TryGetValue(source, out var list)) _instances[source] = list = [];
                    list.Add(o);
                }
    }
}
