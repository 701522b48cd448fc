using HomeOps.Compile.Flux;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Flux;

/// <summary>
/// What a Flux Kustomization or HelmRelease builds from: the source object it names, and for a
/// Kustomization built from this repository the directory spec.path names. Either missing leaves
/// the object not ready forever, and everything that dependsOn it stalls.
/// </summary>
public sealed class FluxSourceRules : IRuleSet
{
    public const string PathMissing = "flux/path-missing";
    public const string SourceMissing = "flux/source-missing";

    private static readonly string[] SourceKinds = ["GitRepository", "OCIRepository", "HelmRepository", "Bucket", "HelmChart"];

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(PathMissing, Severity.Error, "A Flux Kustomization's spec.path is not a directory of the repository, or climbs out of it."),
        new(SourceMissing, Severity.Error, "A Flux Kustomization's sourceRef or a HelmRelease's chart sourceRef/chartRef names a source the repository does not define."),
    ];

    /// <summary>Each cluster the repository describes on its own (objects of one cluster never satisfy another's references).</summary>
    public void Check(RepoModel repo, RuleContext context)
    {
        foreach (var cluster in repo.Clusters) CheckCluster(FluxTree.Of(repo, cluster), context);
    }

    private static void CheckCluster(FluxTree tree, RuleContext context)
    {
        var sources = tree.Cluster.Objects.Where(s => s.Group == FluxTree.SourceGroup && SourceKinds.Contains(s.Kind)).Select(FluxTree.KeyOf).ToHashSet();
        foreach (var k in tree.Kustomizations)
        {
            CheckPath(tree, k, context);
            CheckSource(sources, k, "/spec/sourceRef", context);
        }
        foreach (var release in tree.HelmReleases)
        {
            CheckSource(sources, release, "/spec/chart/spec/sourceRef", context);
            CheckSource(sources, release, "/spec/chartRef", context);
        }
    }

    private static void CheckPath(FluxTree tree, Manifest k, RuleContext context)
    {
        // Another repository's or an OCI artifact's layout is not visible here.
        if (!tree.FromThisRepository(k)) return;
        var written = Manifest.Text(k.Body["spec"].Field("path")) ?? "./";
        var path = FluxTree.PathOf(k);
        if (path is null)
            context.Report(PathMissing, k.At("/spec/path"), $"{FluxTree.KeyOf(k)} has path '{written}', which climbs out of the repository",
                "write the path relative to the repository root, e.g. ./infrastructure/app");
        else if (!tree.Paths.IsDirectory(path))
            context.Report(PathMissing, k.At("/spec/path"),
                $"{FluxTree.KeyOf(k)} has path '{written}', which {(tree.Paths.IsFile(path) ? "is a file, not a directory" : "does not exist")}",
                Suggest.Nearest(path, tree.Paths.Directories.Where(d => d.Length > 0)) is { } near
                    ? $"did you mean './{near}'? (paths are relative to the repository root)"
                    : "create the directory or correct the path (relative to the repository root, e.g. ./infrastructure/app)");
    }

    private static void CheckSource(HashSet<ObjectKey> defined, Manifest m, string pointer, RuleContext context)
    {
        var reference = FluxTree.Resolve(m.Body, pointer);
        if (Manifest.Text(reference.Field("name")) is not { } name || Manifest.Text(reference.Field("kind")) is not { } kind) return;
        var target = new ObjectKey(kind, Manifest.Text(reference.Field("namespace")) ?? FluxTree.NamespaceOf(m), name);
        if (defined.Contains(target)) return;
        context.Report(SourceMissing, m.At($"{pointer}/name"), $"{FluxTree.KeyOf(m)} uses {target}, which is not defined in the repository",
            Nearest.Hint(target, defined)
            ?? $"define {kind} {target.Namespace}/{name} (sources usually live in {FluxTree.FluxNamespace}), or correct kind, name and namespace");
    }
}
