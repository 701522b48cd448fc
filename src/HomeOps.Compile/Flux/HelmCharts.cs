using HomeOps.Model.Repository;

namespace HomeOps.Compile.Flux;

/// <summary>A chart a HelmRelease installs: its name, and its version when the repository pins one.</summary>
public sealed record InstalledChart(string Name, string? Version, Manifest Release);

/// <summary>
/// Which chart a Flux HelmRelease installs (helm-controller v2 API): an inline chart template (spec.chart.spec.chart and
/// .version), or a chartRef to an OCIRepository, whose chart is the last path segment of its url and whose version is its
/// ref.tag (a semver range or a digest pins no single version).
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
        foreach (var release in all.Where(m => m.Kind == "HelmRelease" && m.Group == HelmGroup))
        {
            if (InlineName(release) is { } inline)
            {
                yield return new InstalledChart(inline, Manifest.Text(release.Get("/spec/chart/spec/version")), release);
                continue;
            }
            if (Manifest.Text(release.Get("/spec/chartRef/kind")) != "OCIRepository" || Manifest.Text(release.Get("/spec/chartRef/name")) is not { } name)
                continue;
            var space = Manifest.Text(release.Get("/spec/chartRef/namespace")) ?? release.Namespace;
            // a namespace either side may be unknown (set by a Flux Kustomization's targetNamespace at apply time): then the name decides
            var source = oci.FirstOrDefault(o => o.Name == name && (o.Namespace is null || space is null || o.Namespace == space));
            if (source is null || Manifest.Text(source.Get("/spec/url")) is not { } url) continue;
            yield return new InstalledChart(url.TrimEnd('/')[(url.TrimEnd('/').LastIndexOf('/') + 1)..], Manifest.Text(source.Get("/spec/ref/tag")), release);
        }
    }
}
