using System.Text.Json.Nodes;
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
    public IReadOnlyList<Manifest> Manifests { get; } = manifests;

    /// <summary>The loaded, checked talconfig.yaml; null when absent or unusable.</summary>
    public TalosPlan? Talos { get; } = talos;

    /// <summary>bootstrap-config.yaml as written, with positions; null when absent or unusable.</summary>
    public Manifest? BootstrapConfig { get; } = bootstrapConfig;

    /// <summary>The body of bootstrap-config.yaml.</summary>
    public JsonObject? Bootstrap => BootstrapConfig?.Body;

    /// <summary>What loading itself found (YAML syntax, unreadable files, talconfig problems).</summary>
    public IReadOnlyList<Finding> LoadFindings { get; } = loadFindings;

    private readonly Lazy<ILookup<string, Manifest>> _byKind = new(() => manifests.ToLookup(m => m.Kind, StringComparer.Ordinal));

    public IEnumerable<Manifest> OfKind(string kind) => _byKind.Value[kind];

    public IEnumerable<Manifest> OfKind(string group, string kind) => OfKind(kind).Where(m => m.Group == group);
}
