using System.Text.Json.Nodes;
using HomeOps.Compile.Flux;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Model.Repository;

namespace HomeOps.Compile.Repository;

/// <summary>
/// Everything `homeops validate` looks at, loaded once: every file, every Kubernetes object, the
/// Talos plan and the bootstrap config. Immutable, so rules can run in parallel over it.
/// </summary>
public sealed class RepoModel(
    string root,
    ISourceTree source,
    IReadOnlyList<RepoFile> files,
    RepoDocuments documents,
    IReadOnlyList<Manifest> manifests,
    TalosPlan? talos,
    Manifest? bootstrapConfig,
    IReadOnlyList<Finding> loadFindings)
{
    public string Root { get; } = root;

    /// <summary>Read access for compiler steps that follow references (Talos patch files).</summary>
    public ISourceTree Source { get; } = source;
    public IReadOnlyList<RepoFile> Files { get; } = files;

    /// <summary>Files .homeopsignore lists: no rule reads them but the secrets scan, which an ignore file never silences.</summary>
    public IReadOnlyList<RepoFile> SecretScanOnly { get; init; } = [];

    /// <summary>Every file by path, YAML parsed once (for builds that read files the way kustomize does).</summary>
    public RepoDocuments Documents { get; } = documents;

    /// <summary>Every Kubernetes object as written in Git (documents with apiVersion and kind), in file order.</summary>
    public IReadOnlyList<Manifest> Manifests { get; } = manifests;

    /// <summary>The loaded, checked talconfig.yaml; null when absent or unusable.</summary>
    public TalosPlan? Talos { get; } = talos;

    /// <summary>bootstrap-config.yaml as written, with positions; null when absent or unusable.</summary>
    public Manifest? BootstrapConfig { get; } = bootstrapConfig;

    /// <summary>The body of bootstrap-config.yaml.</summary>
    public JsonObject? Bootstrap => BootstrapConfig?.Body;

    /// <summary>What loading itself found (YAML syntax, unreadable files, talconfig problems).</summary>
    public IReadOnlyList<Finding> LoadFindings { get; } = loadFindings;

    private FluxModel? _flux;
    private bool _fluxReady;
    private object? _fluxGate;
    private ClusterView? _cluster;

    /// <summary>The repository as Flux applies it (built on first use, once; shared by the rules running in parallel).</summary>
    public FluxModel Flux => LazyInitializer.EnsureInitialized(ref _flux, ref _fluxReady, ref _fluxGate, () => FluxModel.Of(this))!;

    /// <summary>
    /// The objects the cluster gets, for rules about how objects relate (references, network, BGP):
    /// what Flux applies when a Flux tree builds this repository, else every object as written.
    /// </summary>
    public ClusterView Cluster => LazyInitializer.EnsureInitialized(ref _cluster, () => new ClusterView(Flux.HasTree ? Flux.Applied : Manifests, Flux.HasTree));

    private IReadOnlyList<ClusterView>? _clusters;

    /// <summary>
    /// Each cluster the repository describes, for rules that compare objects with each other (a reference
    /// is satisfied, two pools clash, only within one cluster): one per Flux root when the repository
    /// holds several clusters, else just <see cref="Cluster"/>.
    /// </summary>
    public IReadOnlyList<ClusterView> Clusters => LazyInitializer.EnsureInitialized(ref _clusters, () =>
        Flux.HasTree && Flux.Clusters.Count(c => c.Kustomizations.Any(k => k.Directory is not null)) > 1
            ? Flux.Clusters.Where(c => c.Kustomizations.Any(k => k.Directory is not null)).Select(c => new ClusterView(c.Applied, true, c.Name)).ToList()
            : [Cluster]);

    /// <summary>
    /// A document as written, the way the cluster gets it: the objects Flux renders from it (patched,
    /// substituted; several when several builds include it), or the document itself when no build
    /// reaches it or there is no Flux tree. Rules that judge one document at a time read these.
    /// </summary>
    public IReadOnlyList<Manifest> InstancesOf(Manifest asWritten) =>
        Flux.HasTree && Flux.InstancesOf(asWritten) is { Count: > 0 } rendered ? rendered : [asWritten];

    /// <summary>
    /// What one cluster holds plus the documents no build reaches (as written): the set rules compare
    /// objects within, so a clash with a file Flux never applies is still found, but two clusters never clash.
    /// </summary>
    public IEnumerable<Manifest> DocumentsOf(ClusterView cluster) =>
        cluster.FromFlux ? cluster.Objects.Concat(Manifests.Where(m => !Flux.FilesReached.Contains(m.File))) : cluster.Objects;

    /// <summary>Every document as written, each as the cluster gets it (see <see cref="InstancesOf"/>).</summary>
    public IEnumerable<Manifest> Instances => Manifests.SelectMany(InstancesOf);

    private IReadOnlyList<InstalledChart>? _charts;

    /// <summary>The chart every HelmRelease installs, as Flux applies them (found once, shared by the rules that need it).</summary>
    public IReadOnlyList<InstalledChart> Charts => LazyInitializer.EnsureInitialized(ref _charts, () => [.. HelmCharts.Installed(Instances)]);

    private readonly Lazy<ILookup<string, Manifest>> _byKind = new(() => manifests.ToLookup(m => m.Kind, StringComparer.Ordinal));

    public IEnumerable<Manifest> OfKind(string kind) => _byKind.Value[kind];

    public IEnumerable<Manifest> OfKind(string group, string kind) => OfKind(kind).Where(m => m.Group == group);
}
