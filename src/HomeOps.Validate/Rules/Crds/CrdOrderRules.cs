using System.Text.Json.Nodes;
using HomeOps.Compile.Flux;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Validate.Engine;
using HomeOps.Validate.Rules.Flux;
using HomeOps.Validate.Rules.Schema;

namespace HomeOps.Validate.Rules.Crds;

/// <summary>
/// crd/not-installed-first: an object of a CRD kind reaches the API server before anything installs that CRD. Helm maps
/// every object a chart renders to a served kind before it creates any (helm/helm@v3.16.4 pkg/action/install.go:333-335),
/// and kustomize-controller dry-runs every object of a build before applying; either fails with "no matches for kind".
/// Checked in the order things happen: bootstrap's Helm installs in phase order (each may use only what bootstrap
/// installed before it), then each Flux Kustomization (it may use what bootstrap installed, CRDs its own build applies,
/// and CRDs that a Kustomization it depends on, directly or not, installs). Chart renders come from chart-crds.json.
/// </summary>
public sealed class CrdOrderRules : IRuleSet
{
    public const string Id = "crd/not-installed-first";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(Id, Severity.Error, "A bootstrap Helm install or a Flux Kustomization creates objects of a CRD kind (or chart values render them, e.g. serviceMonitor.enabled) before anything installs that CRD."),
    ];

    public void Check(RepoModel repo, RuleContext context)
    {
        var table = ChartCrds.Table;
        var bootstrapped = CheckBootstrap(repo, table, context);
        CheckFlux(repo, table, bootstrapped, context);
    }

    /// <summary>Bootstrap's installs in order; returns the groups bootstrap installs (available to all of Flux).</summary>
    private static HashSet<string> CheckBootstrap(RepoModel repo, IReadOnlyDictionary<string, ChartCrdFacts> table, RuleContext context)
    {
        var available = new HashSet<string>(StringComparer.Ordinal);
        if (repo.BootstrapConfig is not { } config) return available;
        var phases = config.Body["phases"] as JsonArray ?? [];
        for (var i = 0; i < phases.Count; i++)
        {
            var installs = phases[i].Field("installs") as JsonArray ?? [];
            for (var j = 0; j < installs.Count; j++)
            {
                var name = Manifest.Text(installs[j].Field("helmRelease"));
                var adoptedBy = Manifest.Text(installs[j].Field("adoptedBy"));
                var release = repo.OfKind("helm.toolkit.fluxcd.io", "HelmRelease").FirstOrDefault(r => r.File == adoptedBy);
                if (release is null || Chart(release) is not { } chart || !table.TryGetValue(chart, out var facts)) continue;
                var values = HelmValues.Merged(HelmValues.LayersOf(repo, release));
                foreach (var render in facts.RenderedWith(values).Where(r => !available.Contains(r.Group)).DistinctBy(r => (r.Kind, r.Group)))
                    context.Report(Id, config.At($"/phases/{i}/installs/{j}"),
                        $"bootstrap installs {name} (chart {chart}) whose values render {render.Kind} ({render.Group}; {string.Join(" && ", render.When)}), "
                        + $"but no earlier bootstrap install provides that CRD: {(render.Guarded ? "the chart silently leaves the objects out" : "helm fails with \"no matches for kind\"")}",
                        $"install a chart with the {render.Group} CRDs first (e.g. prometheus-operator-crds, listed before it under installs:), or switch those values off for bootstrap",
                        render.Guarded ? Severity.Warning : null);
                available.UnionWith(facts.ProvidedWith(values));
            }
        }
        return available;
    }

    private static void CheckFlux(RepoModel repo, IReadOnlyDictionary<string, ChartCrdFacts> table, HashSet<string> bootstrapped, RuleContext context)
    {
        var tree = FluxTree.Of(repo);
        var kustomizations = tree.Kustomizations.Where(tree.FromThisRepository).ToList();
        var byName = kustomizations.GroupBy(k => k.Name).ToDictionary(g => g.Key, g => g.First());
        var objects = ObjectsOf(tree);

        // who installs which group: CRD manifests (applied first within their own build) or a chart's HelmRelease
        var providers = new List<(string Group, string Kustomization, Manifest By, bool Crd)>();
        foreach (var (kustomization, owned) in objects)
            foreach (var m in owned)
            {
                if (m is { Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition" } && Manifest.Text(m.Get("/spec/group")) is { } group)
                    providers.Add((group, kustomization, m, true));
                if (m.Kind == "HelmRelease" && Chart(m) is { } chart && table.TryGetValue(chart, out var facts))
                    providers.AddRange(facts.ProvidedWith(HelmValues.Merged(HelmValues.LayersOf(repo, m))).Select(g => (g, kustomization, m, false)));
            }

        foreach (var (kustomization, owned) in objects)
        {
            var before = Ancestors(kustomization, byName);
            bool Available(string group) => bootstrapped.Contains(group) || group.EndsWith(".toolkit.fluxcd.io", StringComparison.Ordinal)
                || providers.Any(p => p.Group == group && (before.Contains(p.Kustomization) || (p.Kustomization == kustomization && p.Crd)));
            string Where(string group) => providers.Where(p => p.Group == group).Select(p => p.Kustomization == kustomization
                ? $"its own HelmRelease {p.By.Namespace}/{p.By.Name}, which helm-controller installs only after this build is applied"
                : $"Kustomization {p.Kustomization}, which {kustomization} does not depend on").FirstOrDefault() ?? "nothing in the repository";

            foreach (var m in owned.Where(m => m.Group.Length > 0 && !KubernetesTypes.IsBuiltInGroup(m.Group) && !Available(m.Group)))
            {
                if (providers.All(p => p.Group != m.Group)) continue; // an operator outside the repository: schema/unknown-kind's business
                context.Report(Id, m.At(), $"{m.Kind} {m.Namespace}/{m.Name} in Flux Kustomization {kustomization} needs the {m.Group} CRDs, installed by {Where(m.Group)}",
                    $"move it to a Kustomization that dependsOn the one installing the CRDs (or add that dependsOn to {kustomization})");
            }
            foreach (var release in owned.Where(m => m.Kind == "HelmRelease"))
            {
                if (Chart(release) is not { } chart || !table.TryGetValue(chart, out var facts)) continue;
                var values = HelmValues.Merged(HelmValues.LayersOf(repo, release));
                foreach (var render in facts.RenderedWith(values).Where(r => !Available(r.Group)).DistinctBy(r => (r.Kind, r.Group)))
                    context.Report(Id, release.At("/spec"),
                        $"HelmRelease {release.Namespace}/{release.Name} (chart {chart}) in Flux Kustomization {kustomization} renders {render.Kind} ({string.Join(" && ", render.When)}), "
                        + $"whose {render.Group} CRDs come from {Where(render.Group)}",
                        $"add dependsOn: [{{name: {providers.FirstOrDefault(p => p.Group == render.Group).Kustomization ?? "<the Kustomization installing the CRDs>"}}}] to Kustomization {kustomization}",
                        render.Guarded ? Severity.Warning : null);
            }
        }
    }

    /// <summary>Each Flux Kustomization of this repository with the objects its build applies (the product's Flux model).</summary>
    private static List<(string Kustomization, List<Manifest> Objects)> ObjectsOf(FluxTree tree) =>
        tree.Model.Kustomizations.Where(k => k.FromThisRepository)
            .Select(k => (k.Name, k.Objects.Where(m => m.Group != FluxTree.KustomizeGroup).ToList())).ToList();

    private static HashSet<string> Ancestors(string kustomization, IReadOnlyDictionary<string, Manifest> byName)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>([kustomization]);
        while (queue.TryDequeue(out var next))
            if (byName.TryGetValue(next, out var k))
                foreach (var dependency in Manifest.Items(k.Body["spec"].Field("dependsOn")).Select(d => Manifest.Text(d.Item.Field("name"))).OfType<string>())
                    if (seen.Add(dependency)) queue.Enqueue(dependency);
        return seen;
    }

    private static string? Chart(Manifest release) => HelmCharts.InlineName(release);
}
