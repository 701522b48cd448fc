using System.Text.RegularExpressions;
using HomeOps.Model.Repository;

namespace HomeOps.Compile.Flux;

/// <summary>
/// Where a chart comes from: a Helm HTTP repository's URL (its index.yaml lists the packages), or an OCI repository
/// "oci://host/path" that holds the chart as "oci://host/path/&lt;chart&gt;".
/// </summary>
public sealed record ChartRepository(string Url, bool Oci);

/// <summary>One packaged chart, pinned: what `homeops charts pull` downloads and validate reads back from the cache.</summary>
public sealed partial record ChartReference(ChartRepository Repository, string Name, string Version)
{
    /// <summary>"oci://host/path/chart:1.2.3" or "https://repo/ chart 1.2.3", for messages.</summary>
    public override string ToString() => Repository.Oci ? $"{Repository.Url.TrimEnd('/')}/{Name}:{Version}" : $"{Name} {Version} from {Repository.Url}";

    /// <summary>
    /// True for one exact SemVer 2 version (an optional leading 'v'): a range ("1.x", "^1.2", "&gt;=1") pins no single
    /// package, so nothing can be downloaded or judged for it.
    /// </summary>
    public static bool IsExact(string? version) => version is not null && Exact().IsMatch(version);

    [GeneratedRegex(@"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")]
    private static partial Regex Exact();
}

/// <summary>A chart a HelmRelease installs: its name, its version when the repository pins one, and its repository when known.</summary>
public sealed record InstalledChart(string Name, string? Version, Manifest Release, ChartRepository? Repository = null)
{
    /// <summary>The one package this release installs, or null (no known repository, or a version range or digest).</summary>
    public ChartReference? Pinned => Repository is not null && ChartReference.IsExact(Version) ? new ChartReference(Repository, Name, Version!) : null;
}

/// <summary>
/// Which chart a Flux HelmRelease installs (helm-controller v2 API): an inline chart template (spec.chart.spec.chart and
/// .version, from the HelmRepository named in .sourceRef), or a chartRef to an OCIRepository, whose chart is the last path
/// segment of its url and whose version is its ref.tag (a semver range or a digest pins no single version). A HelmRepository
/// is an HTTP repository unless its spec.type is "oci" (source-controller v1 API, HelmRepositorySpec.Type).
/// </summary>
public static class HelmCharts
{
    private const string HelmGroup = "helm.toolkit.fluxcd.io";
    private const string SourceGroup = "source.toolkit.fluxcd.io";

    /// <summary>The chart named inline in spec.chart.spec.chart, or null (a chartRef, or no chart at all).</summary>
    public static string? InlineName(Manifest release) => Manifest.Text(release.Get("/spec/chart/spec/chart"));

    public static IEnumerable<InstalledChart> Installed(IEnumerable<Manifest> objects)
    {
        var all = objects.ToList();
        var oci = all.Where(m => m.Kind == "OCIRepository" && m.Group == SourceGroup).ToList();
        var helm = all.Where(m => m.Kind == "HelmRepository" && m.Group == SourceGroup).ToList();
        foreach (var release in all.Where(m => m.Kind == "HelmRelease" && m.Group == HelmGroup))
        {
            if (InlineName(release) is { } inline)
            {
                yield return new InstalledChart(inline, Manifest.Text(release.Get("/spec/chart/spec/version")), release, RepositoryOf(release, helm));
                continue;
            }
            if (Manifest.Text(release.Get("/spec/chartRef/kind")) != "OCIRepository" || Manifest.Text(release.Get("/spec/chartRef/name")) is not { } name)
                continue;
            var source = Find(oci, name, Manifest.Text(release.Get("/spec/chartRef/namespace")) ?? release.Namespace);
            if (source is null || Manifest.Text(source.Get("/spec/url")) is not { } url) continue;
            var trimmed = url.TrimEnd('/');
            var slash = trimmed.LastIndexOf('/');
            var repository = slash > "oci://".Length && trimmed.StartsWith("oci://", StringComparison.Ordinal) ? new ChartRepository(trimmed[..slash], Oci: true) : null;
            yield return new InstalledChart(trimmed[(slash + 1)..], Manifest.Text(source.Get("/spec/ref/tag")), release, repository);
        }
    }

    /// <summary>The HelmRepository spec.chart.spec.sourceRef names (its namespace defaults to the release's), or null.</summary>
    private static ChartRepository? RepositoryOf(Manifest release, List<Manifest> repositories)
    {
        if ((Manifest.Text(release.Get("/spec/chart/spec/sourceRef/kind")) ?? "HelmRepository") != "HelmRepository") return null;
        if (Manifest.Text(release.Get("/spec/chart/spec/sourceRef/name")) is not { } name) return null;
        var source = Find(repositories, name, Manifest.Text(release.Get("/spec/chart/spec/sourceRef/namespace")) ?? release.Namespace);
        if (source is null || Manifest.Text(source.Get("/spec/url")) is not { } url || url.Contains("${", StringComparison.Ordinal)) return null;
        var isOci = Manifest.Text(source.Get("/spec/type")) == "oci" || url.StartsWith("oci://", StringComparison.Ordinal);
        return new ChartRepository(url.TrimEnd('/'), isOci);
    }

    // a namespace either side may be unknown (set by a Flux Kustomization's targetNamespace at apply time): then the name decides
    private static Manifest? Find(List<Manifest> sources, string name, string? space) =>
        sources.FirstOrDefault(o => o.Name == name && (o.Namespace is null || space is null || o.Namespace == space));
}
