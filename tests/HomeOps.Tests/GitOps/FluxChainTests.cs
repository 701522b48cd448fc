using System.Text.Json.Nodes;
using HomeOps.Compile.Flux;
using HomeOps.Model;

namespace HomeOps.Tests.GitOps;

/// <summary>
/// Issue 3, acceptance 2, through the product's own Flux model: every Flux Kustomization of the
/// reference repository builds (the builds equal kubectl kustomize: KustomizeGroundTruthTests), the
/// dependsOn graph is complete and acyclic (the product's flux rules say so), and the chain orders
/// the components as required; charts and images are pinned (the product's versions/unpinned).
/// </summary>
public class FluxChainTests(ReferenceTree tree) : IClassFixture<ReferenceTree>
{
    /// <summary>
    /// The required order (issue 3): sources &amp; external-secrets → onepassword → cert-manager &amp;
    /// monitoring → ingress-nginx → longhorn &amp; cloudnative-pg → authentik → authentik-proxy → apps.
    /// Each pair reads "first transitively depends on second".
    /// </summary>
    public static TheoryData<string, string> ChainFacts => new()
    {
        { "external-secrets", "sources" },
        { "onepassword", "sources" },
        { "onepassword", "external-secrets" },
        { "cert-manager", "onepassword" },
        { "monitoring", "onepassword" },
        { "ingress-nginx", "cert-manager" },
        { "ingress-nginx", "monitoring" },
        { "longhorn", "ingress-nginx" },
        { "cloudnative-pg", "ingress-nginx" },
        { "authentik", "longhorn" },
        { "authentik", "cloudnative-pg" },
        { "authentik-proxy", "authentik" },
        { "apps", "authentik-proxy" },
    };

    private static readonly string[] Stages = ["sources|external-secrets", "onepassword", "cert-manager|monitoring", "ingress-nginx", "longhorn|cloudnative-pg", "authentik", "authentik-proxy", "apps"];

    private IEnumerable<FluxKustomization> Children => tree.Kustomizations.Where(k => k.Name != "flux-system");

    /// <summary>What a Flux Kustomization waits for, transitively, by its dependsOn entries.</summary>
    private HashSet<string> Ancestors(string name)
    {
        var seen = new HashSet<string>();
        var stack = new Stack<string>([name]);
        while (stack.Count > 0)
            foreach (var (dependency, _) in ReferenceTree.DependsOn(tree.Kustomization(stack.Pop())))
                if (seen.Add(dependency) && tree.Kustomizations.Any(k => k.Name == dependency)) stack.Push(dependency);
        return seen;
    }

    private IReadOnlyList<Finding> Findings(params string[] rules) => tree.Findings(rules);

    [Fact]
    public void The_tree_defines_the_expected_Flux_Kustomizations()
    {
        string[] expected = ["flux-system", "cilium", "sources", "external-secrets", "prometheus-operator-crds", "onepassword", "backup-settings", "flux-config", "cert-manager",
            "cert-manager-issuers", "monitoring", "ingress-nginx", "external-dns", "cloudflared", "longhorn", "longhorn-backup", "cloudnative-pg", "authentik-database",
            "authentik", "authentik-proxy", "apps"];
        Assert.Equal(expected.Order(), tree.Kustomizations.Select(k => k.Name).Order());
        Assert.Equal(tree.Kustomizations.Count, tree.Kustomizations.Select(k => k.Key).Distinct().Count());
        foreach (var k in tree.Kustomizations)
        {
            var spec = k.Object.Body["spec"]!;
            Assert.True(spec["prune"]?.GetValue<bool>() == true, $"{k.Name}: prune must be true");
            Assert.False(string.IsNullOrEmpty(ReferenceTree.Str(spec["timeout"])), $"{k.Name}: no timeout");
            Assert.Equal("GitRepository/flux-system", $"{ReferenceTree.Str(spec["sourceRef"]?["kind"])}/{ReferenceTree.Str(spec["sourceRef"]?["name"])}");
            if (k.Name != "flux-system") Assert.True(spec["wait"]?.GetValue<bool>() == true, $"{k.Name}: wait must be true");
        }
    }

    [Fact]
    public void Every_Flux_Kustomization_builds_and_the_root_applies_every_other()
    {
        Assert.All(tree.Kustomizations, k => Assert.True(k.Build is { Failed: false } && k.Objects.Count > 0, $"{k.Name} (./{k.Directory}) does not build or builds nothing"));
        Assert.Empty(Findings("flux/build-failed", "flux/path-missing", "flux/kustomize-resource-missing", "flux/substitution-failed", "flux/variable-undefined"));
        // The root Kustomization applies every other Flux Kustomization.
        var root = tree.Kustomization("flux-system");
        var applied = root.Objects.Where(o => o.Group == FluxModel.KustomizeToolkitGroup && o.Kind == "Kustomization").Select(o => o.Name).ToHashSet();
        Assert.Equal(tree.Kustomizations.Select(k => k.Name).ToHashSet(), applied);
    }

    [Fact]
    public void Every_build_stays_inside_the_folders_the_flux_source_publishes()
    {
        // GitRepository flux-system's spec.ignore ("/*" then "!/dir") lets only some folders into the artifact.
        var repository = tree.OfKind("GitRepository").Single(m => m.Name == "flux-system");
        var published = (ReferenceTree.Str(repository.Body["spec"]?["ignore"]) ?? "").Split('\n').Select(l => l.Trim())
            .Where(l => l.StartsWith("!/", StringComparison.Ordinal)).Select(l => l[2..].TrimEnd('/')).ToList();
        Assert.Equal(ReferenceTree.TreeRoots.Order(), published.Order());
        var outside = tree.Flux.FilesReached.Where(f => !published.Any(p => f.StartsWith(p + "/", StringComparison.Ordinal))).ToList();
        Assert.True(outside.Count == 0, "builds read files outside the published folders:\n" + string.Join("\n", outside));
    }

    [Fact]
    public void Every_manifest_in_the_tree_is_applied_by_exactly_one_Flux_Kustomization()
    {
        // A file that no build reaches is never applied; one applied by two Kustomizations fights over ownership.
        var owner = tree.Kustomizations.SelectMany(k => k.Objects.Select(o => (Object: o, Owner: k))).ToLookup(p => p.Object.Source ?? p.Object, ReferenceEqualityComparer.Instance);
        var problems = new List<string>();
        foreach (var m in tree.Manifests)
        {
            var owners = owner[m].Select(p => p.Owner.Name).Distinct().ToList();
            if (owners.Count == 0) problems.Add($"{ReferenceTree.Show(m)}: not in the build of any Flux Kustomization");
            else if (owners.Count > 1) problems.Add($"{ReferenceTree.Show(m)}: applied by {string.Join(", ", owners)}");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Empty(Findings("flux/orphan-manifest"));
    }

    [Fact]
    public void Every_dependsOn_names_an_existing_Flux_Kustomization_and_the_graph_has_no_cycle()
    {
        Assert.Empty(Findings("flux/dependency-missing", "flux/dependency-cycle"));
        Assert.All(tree.Kustomizations, k => Assert.DoesNotContain(k.Name, ReferenceTree.DependsOn(k).Select(d => d.Name)));
        Assert.Contains(tree.Kustomizations, k => ReferenceTree.DependsOn(k).Count > 0);
    }

    [Theory]
    [MemberData(nameof(ChainFacts))]
    public void The_chain_orders_the_components(string dependent, string dependency) => Assert.Contains(dependency, Ancestors(dependent));

    [Fact]
    public void Every_stage_of_the_chain_depends_on_every_earlier_stage()
    {
        for (var i = 1; i < Stages.Length; i++)
            foreach (var later in Stages[i].Split('|'))
            {
                var ancestors = Ancestors(later);
                foreach (var earlier in Stages[..i].SelectMany(s => s.Split('|')))
                    Assert.True(ancestors.Contains(earlier), $"{later} does not (transitively) depend on {earlier}");
            }
    }

    [Fact]
    public void Kustomizations_depend_on_what_their_objects_need()
    {
        // Derived from the product's builds, not from the docs: a HelmRelease needs its chart source, an
        // ExternalSecret needs its ClusterSecretStore, postBuild.substituteFrom needs the object
        // providing the variables; the Kustomization applying that must be an ancestor (or itself).
        // The root (flux-system) applies the children themselves, so what it applies beside them
        // (the cluster-settings ConfigMap) exists before any child reconciles: every child may use it.
        var producer = new Dictionary<string, string>();
        foreach (var k in tree.Kustomizations)
            foreach (var o in k.Objects)
            {
                producer[$"{o.Kind}/{o.Namespace ?? ""}/{o.Name}"] = k.Name;
                // ExternalSecrets create Secrets of the same namespace (spec.target.name).
                if (o.Kind == "ExternalSecret")
                    producer[$"Secret/{o.Namespace}/{ReferenceTree.Str(o.Body["spec"]?["target"]?["name"]) ?? o.Name}"] = k.Name;
            }
        var problems = new List<string>();
        var checkedEdges = 0;
        foreach (var k in Children)
        {
            var ancestors = Ancestors(k.Name).Append(k.Name).Append("flux-system").ToHashSet();
            var needs = new List<string>();
            foreach (var o in k.Objects)
            {
                switch (o.Kind)
                {
                    case "HelmRelease":
                        var source = o.Body["spec"]?["chart"]?["spec"]?["sourceRef"] ?? o.Body["spec"]?["chartRef"];
                        needs.Add($"{ReferenceTree.Str(source?["kind"])}/{ReferenceTree.Str(source?["namespace"]) ?? o.Namespace}/{ReferenceTree.Str(source?["name"])}");
                        break;
                    case "ExternalSecret":
                        var store = o.Body["spec"]?["secretStoreRef"];
                        needs.Add(ReferenceTree.Str(store?["kind"]) == "ClusterSecretStore" ? $"ClusterSecretStore//{ReferenceTree.Str(store?["name"])}" : $"SecretStore/{o.Namespace}/{ReferenceTree.Str(store?["name"])}");
                        break;
                }
            }
            foreach (var from in k.Object.Body["spec"]?["postBuild"]?["substituteFrom"] as JsonArray ?? [])
                needs.Add($"{ReferenceTree.Str(from?["kind"])}/{k.Key.Namespace}/{ReferenceTree.Str(from?["name"])}");
            foreach (var need in needs)
            {
                checkedEdges++;
                if (!producer.TryGetValue(need, out var p)) problems.Add($"{k.Name} needs {need}, which no Flux Kustomization applies");
                else if (!ancestors.Contains(p)) problems.Add($"{k.Name} needs {need} from {p} but does not depend on it");
            }
        }
        Assert.True(checkedEdges > 20, $"only {checkedEdges} needs found");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_postBuild_variable_is_provided_and_substituted()
    {
        // The product substitutes as Flux does; a variable without a source would be flux/variable-undefined.
        Assert.Empty(Findings("flux/variable-undefined", "flux/substitution-failed"));
        var substituting = tree.Kustomizations.Where(k => k.Substitutes).ToList();
        Assert.NotEmpty(substituting);
        // Variables whose values are in 1Password stay ${...} (unknown here); none is left undefined or literal by mistake.
        var written = tree.Manifests.Count(m => m.Body.ToJsonString().Contains("${", StringComparison.Ordinal));
        Assert.True(written > 0, "no ${VAR} in the tree; the test would prove nothing");
    }

    [Fact]
    public void Every_HelmRelease_uses_an_existing_source_and_an_exact_chart_version()
    {
        Assert.True(tree.OfKind("HelmRelease").Count() >= 10, "fewer than 10 HelmReleases");
        Assert.Empty(Findings("flux/source-missing", "versions/unpinned"));
    }

    [Fact]
    public void Every_container_image_has_a_pinned_tag()
    {
        var images = new List<string>();
        foreach (var m in tree.Manifests)
            foreach (var (path, obj) in ReferenceTree.Objects(m.Body))
            {
                images.AddRange(new[] { "image", "imageName" }.Select(k => ReferenceTree.Str(obj[k])).OfType<string>());
                // Helm values style: image: {repository: x, tag: y}
                if (ReferenceTree.Str(obj["repository"]) is { } repository && path.EndsWith("image", StringComparison.Ordinal))
                    images.Add($"{repository}:{ReferenceTree.Str(obj["tag"])}");
            }
        // whoami, authentik-proxy, two Redis, cloudflared, the CNPG imageName, the UniFi webhook
        Assert.True(images.Count >= 7, $"only {images.Count} images found");
        Assert.All(images, image => Assert.Null(HomeOps.Validate.Rules.Versions.UnpinnedRules.Unpinned(image)));
    }
}
