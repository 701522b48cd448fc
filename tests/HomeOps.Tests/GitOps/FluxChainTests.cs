using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace HomeOps.Tests.GitOps;

/// <summary>
/// Issue 3, acceptance 2: every Flux Kustomization builds with the real `kubectl kustomize`,
/// the dependsOn graph is complete, acyclic and orders the components as the chain requires;
/// charts and images are pinned.
/// </summary>
public class FluxChainTests(GitOpsTree tree) : IClassFixture<GitOpsTree>
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

    private HashSet<string> Ancestors(string name)
    {
        var seen = new HashSet<string>();
        var stack = new Stack<string>([name]);
        while (stack.Count > 0)
            foreach (var (dep, _) in tree.Kustomization(stack.Pop()).DependsOn)
                if (seen.Add(dep) && tree.Kustomizations.Any(k => k.Name == dep)) stack.Push(dep);
        return seen;
    }

    [Fact]
    public void The_tree_defines_the_expected_Flux_Kustomizations()
    {
        string[] expected = ["flux-system", "cilium", "sources", "external-secrets", "prometheus-operator-crds", "onepassword", "flux-config", "cert-manager",
            "cert-manager-issuers", "monitoring", "ingress-nginx", "external-dns", "cloudflared", "longhorn", "cloudnative-pg", "authentik-database",
            "authentik", "authentik-proxy", "apps"];
        Assert.Equal(expected.Order(), tree.Kustomizations.Select(k => k.Name).Order());
        Assert.Equal(tree.Kustomizations.Count, tree.Kustomizations.Select(k => (k.Namespace, k.Name)).Distinct().Count());
        foreach (var k in tree.Kustomizations)
        {
            var spec = k.Source.Json["spec"]!;
            Assert.True(spec["prune"]?.GetValue<bool>() == true, $"{k.Name}: prune must be true");
            Assert.False(string.IsNullOrEmpty(GitOpsTree.Str(spec["timeout"])), $"{k.Name}: no timeout");
            Assert.Equal("GitRepository/flux-system", $"{GitOpsTree.Str(spec["sourceRef"]?["kind"])}/{GitOpsTree.Str(spec["sourceRef"]?["name"])}");
            if (k.Name != "flux-system") Assert.True(spec["wait"]?.GetValue<bool>() == true, $"{k.Name}: wait must be true");
        }
    }

    [Fact]
    public void Every_Flux_Kustomization_path_builds_with_kubectl_kustomize()
    {
        Assert.Equal(tree.Kustomizations.Count, tree.Builds.Count);
        var failures = tree.Builds.Values.Where(b => b.ExitCode != 0 || b.Objects.Count == 0)
            .Select(b => $"{b.Kustomization.Name} (./{b.Kustomization.Path}): exit {b.ExitCode}, {b.Objects.Count} objects\n{b.Stderr}").ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The root Kustomization applies every other Flux Kustomization.
        var applied = tree.Builds["flux-system"].Objects.Where(o => GitOpsTree.Str(o["kind"]) == "Kustomization" && GitOpsTree.Str(o["apiVersion"])!.StartsWith("kustomize.toolkit.fluxcd.io/", StringComparison.Ordinal))
            .Select(o => GitOpsTree.Str(o["metadata"]?["name"]) ?? "").ToHashSet();
        Assert.Equal(tree.Kustomizations.Select(k => k.Name).ToHashSet(), applied);
    }

    [Fact]
    public void Every_manifest_in_the_tree_is_applied_by_exactly_one_Flux_Kustomization()
    {
        // A file that no kustomization.yaml lists is never applied; one applied by two Kustomizations fights over ownership.
        var owners = new Dictionary<string, List<string>>();
        foreach (var b in tree.Builds.Values)
            foreach (var o in b.Objects)
            {
                var id = $"{GitOpsTree.Str(o["kind"])}/{GitOpsTree.Str(o["metadata"]?["namespace"])}/{GitOpsTree.Str(o["metadata"]?["name"])}";
                if (!owners.TryGetValue(id, out var list)) owners[id] = list = [];
                list.Add(b.Kustomization.Name);
            }
        var problems = new List<string>();
        foreach (var m in tree.Manifests)
        {
            var id = $"{m.Kind}/{m.Namespace}/{m.Name}";
            if (!owners.TryGetValue(id, out var list)) problems.Add($"{m}: not in the build of any Flux Kustomization");
            else if (list.Count > 1) problems.Add($"{m}: applied by {string.Join(", ", list)}");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_dependsOn_names_an_existing_Flux_Kustomization_and_the_graph_has_no_cycle()
    {
        var names = tree.Kustomizations.Select(k => (k.Name, k.Namespace)).ToHashSet();
        var dangling = tree.Kustomizations.SelectMany(k => k.DependsOn.Where(d => !names.Contains(d)).Select(d => $"{k.Name} dependsOn {d.Namespace}/{d.Name}")).ToList();
        Assert.True(dangling.Count == 0, "dependsOn without a Flux Kustomization:\n" + string.Join("\n", dangling));
        Assert.All(tree.Kustomizations, k => Assert.DoesNotContain(k.Name, k.DependsOn.Select(d => d.Name)));

        var order = TopologicalOrder();
        Assert.Equal(tree.Kustomizations.Count, order.Count);
        foreach (var k in tree.Kustomizations)
            foreach (var (dep, _) in k.DependsOn)
                Assert.True(order.IndexOf(dep) < order.IndexOf(k.Name), $"{dep} must come before {k.Name}");
    }

    [Fact]
    public void The_cycle_detection_finds_a_cycle()
    {
        // Negative control for the Kahn sort used above.
        var graph = new Dictionary<string, string[]> { ["a"] = ["c"], ["b"] = ["a"], ["c"] = ["b"], ["d"] = [] };
        Assert.Equal(["d"], Kahn(graph));
    }

    [Theory]
    [MemberData(nameof(ChainFacts))]
    public void The_chain_orders_the_components(string dependent, string dependency)
    {
        Assert.Contains(dependency, Ancestors(dependent));
        var order = TopologicalOrder();
        Assert.True(order.IndexOf(dependency) < order.IndexOf(dependent), $"{dependency} after {dependent} in {string.Join(" → ", order)}");
    }

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
        // Derived from the builds, not from the docs: a HelmRelease needs its chart source, an
        // ExternalSecret needs its ClusterSecretStore, postBuild.substituteFrom needs the object
        // providing the variables; the Kustomization applying that must be an ancestor (or itself).
        var producer = new Dictionary<string, string>();
        foreach (var b in tree.Builds.Values.Where(b => b.Kustomization.Name != "flux-system"))
            foreach (var o in b.Objects)
                producer[$"{GitOpsTree.Str(o["kind"])}/{GitOpsTree.Str(o["metadata"]?["namespace"]) ?? ""}/{GitOpsTree.Str(o["metadata"]?["name"])}"] = b.Kustomization.Name;
        // ExternalSecrets create Secrets of the same namespace (spec.target.name).
        foreach (var b in tree.Builds.Values)
            foreach (var es in b.Objects.Where(o => GitOpsTree.Str(o["kind"]) == "ExternalSecret"))
                producer[$"Secret/{GitOpsTree.Str(es["metadata"]?["namespace"])}/{GitOpsTree.Str(es["spec"]?["target"]?["name"]) ?? GitOpsTree.Str(es["metadata"]?["name"])}"] = b.Kustomization.Name;

        var problems = new List<string>();
        var checkedEdges = 0;
        foreach (var k in Children)
        {
            var ancestors = Ancestors(k.Name).Append(k.Name).ToHashSet();
            var needs = new List<string>();
            foreach (var o in tree.Builds[k.Name].Objects)
            {
                var ns = GitOpsTree.Str(o["metadata"]?["namespace"]);
                switch (GitOpsTree.Str(o["kind"]))
                {
                    case "HelmRelease":
                        var src = o["spec"]?["chart"]?["spec"]?["sourceRef"] ?? o["spec"]?["chartRef"];
                        needs.Add($"{GitOpsTree.Str(src?["kind"])}/{GitOpsTree.Str(src?["namespace"]) ?? ns}/{GitOpsTree.Str(src?["name"])}");
                        break;
                    case "ExternalSecret":
                        var store = o["spec"]?["secretStoreRef"];
                        needs.Add(GitOpsTree.Str(store?["kind"]) == "ClusterSecretStore" ? $"ClusterSecretStore//{GitOpsTree.Str(store?["name"])}" : $"SecretStore/{ns}/{GitOpsTree.Str(store?["name"])}");
                        break;
                }
            }
            foreach (var from in k.Source.Json["spec"]?["postBuild"]?["substituteFrom"] as JsonArray ?? [])
                needs.Add($"{GitOpsTree.Str(from?["kind"])}/{k.Namespace}/{GitOpsTree.Str(from?["name"])}");
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
    public void Every_postBuild_variable_is_provided()
    {
        // Flux substitutes ${VAR} only for Kustomizations with spec.postBuild; every variable used must be a key
        // of a substituteFrom source (here: the Secret an ExternalSecret in the tree creates) or of postBuild.substitute.
        var variable = new Regex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-=?][^}]*)?\}");
        var problems = new List<string>();
        var used = 0;
        foreach (var k in Children)
        {
            var postBuild = k.Source.Json["spec"]?["postBuild"];
            var provided = (postBuild?["substitute"] as JsonObject ?? []).Select(p => p.Key).ToHashSet();
            foreach (var from in postBuild?["substituteFrom"] as JsonArray ?? [])
            {
                var es = tree.OfKind("ExternalSecret").FirstOrDefault(e => e.Namespace == k.Namespace && (GitOpsTree.Str(e.Json["spec"]?["target"]?["name"]) ?? e.Name) == GitOpsTree.Str(from?["name"]));
                if (es is null) { problems.Add($"{k.Name}: substituteFrom {GitOpsTree.Str(from?["name"])} is not created by any ExternalSecret in {k.Namespace}"); continue; }
                foreach (var d in es.Json["spec"]?["data"] as JsonArray ?? []) provided.Add(GitOpsTree.Str(d?["secretKey"])!);
            }
            foreach (Match m in variable.Matches(tree.Builds[k.Name].Stdout))
            {
                used++;
                if (postBuild is null) problems.Add($"{k.Name}: uses {m.Value} but has no spec.postBuild, so Flux leaves it literal");
                else if (!provided.Contains(m.Groups[1].Value) && m.Groups[2].Length == 0) problems.Add($"{k.Name}: {m.Value} is not provided by its postBuild");
            }
        }
        Assert.True(used > 0, "no ${VAR} found; the test would prove nothing");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_HelmRelease_uses_an_existing_source_and_an_exact_chart_version()
    {
        var releases = tree.OfKind("HelmRelease").ToList();
        Assert.True(releases.Count >= 10, $"only {releases.Count} HelmReleases");
        var exact = new Regex(@"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$");
        var problems = new List<string>();
        foreach (var hr in releases)
        {
            var chart = hr.Json["spec"]?["chart"]?["spec"];
            var src = chart?["sourceRef"] ?? hr.Json["spec"]?["chartRef"];
            var kind = GitOpsTree.Str(src?["kind"]);
            var ns = GitOpsTree.Str(src?["namespace"]) ?? hr.Namespace;
            if (kind is not ("HelmRepository" or "OCIRepository")) problems.Add($"{hr}: chart source kind {kind}");
            else if (!tree.OfKind(kind).Any(r => r.Name == GitOpsTree.Str(src?["name"]) && r.Namespace == ns))
                problems.Add($"{hr}: {kind} {ns}/{GitOpsTree.Str(src?["name"])} does not exist in the tree");
            if (chart is not null)
            {
                var version = GitOpsTree.Str(chart["version"]);
                if (version is null || !exact.IsMatch(version)) problems.Add($"{hr}: chart version '{version}' is not an exact version");
                if (string.IsNullOrEmpty(GitOpsTree.Str(chart["chart"]))) problems.Add($"{hr}: no chart name");
            }
            else if (kind == "OCIRepository")
            {
                var repo = tree.OfKind("OCIRepository").Single(r => r.Name == GitOpsTree.Str(src?["name"]) && r.Namespace == ns);
                var tag = GitOpsTree.Str(repo.Json["spec"]?["ref"]?["tag"]);
                if ((tag is null || !exact.IsMatch(tag)) && GitOpsTree.Str(repo.Json["spec"]?["ref"]?["digest"]) is null) problems.Add($"{hr}: OCIRepository {repo.Name} has no exact tag or digest");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.DoesNotMatch(exact, "~1.2.0");
        Assert.DoesNotMatch(exact, ">=1.0.0");
        Assert.DoesNotMatch(exact, "1.x");
        Assert.DoesNotMatch(exact, "*");
    }

    [Fact]
    public void Every_container_image_has_a_pinned_tag()
    {
        var images = new List<(string Where, string Image)>();
        foreach (var m in tree.Manifests)
            foreach (var (path, obj) in GitOpsTree.Objects(m.Json))
            {
                foreach (var key in new[] { "image", "imageName" })
                    if (GitOpsTree.Str(obj[key]) is { } image) images.Add(($"{m} {path}.{key}", image));
                // Helm values style: image: {repository: x, tag: y}
                if (GitOpsTree.Str(obj["repository"]) is { } repository && path.EndsWith("image", StringComparison.Ordinal))
                    images.Add(($"{m} {path}", $"{repository}:{GitOpsTree.Str(obj["tag"])}"));
            }
        // whoami, authentik-proxy, two Redis, cloudflared, the CNPG imageName, the UniFi webhook
        Assert.True(images.Count >= 7, $"only {images.Count} images found");
        var unpinned = images.Where(i => !IsPinned(i.Image)).Select(i => $"{i.Where}: {i.Image}").ToList();
        Assert.True(unpinned.Count == 0, "images without a pinned tag:\n" + string.Join("\n", unpinned));
        Assert.False(IsPinned("docker.io/library/redis"));
        Assert.False(IsPinned("docker.io/library/redis:latest"));
        Assert.False(IsPinned("registry:5000/redis"));
        Assert.False(IsPinned("ghcr.io/x/y:"));
        Assert.True(IsPinned("registry:5000/redis:7.4.5"));
        Assert.True(IsPinned("ghcr.io/x/y@sha256:" + new string('a', 64)));
    }

    internal static bool IsPinned(string image)
    {
        if (Regex.IsMatch(image, "@sha256:[0-9a-f]{64}$")) return true;
        var last = image[(image.LastIndexOf('/') + 1)..];
        var colon = last.LastIndexOf(':');
        if (colon < 0) return false;
        var tag = last[(colon + 1)..];
        return tag.Length > 0 && !tag.Equals("latest", StringComparison.OrdinalIgnoreCase) && tag.Any(char.IsDigit);
    }

    private List<string> TopologicalOrder() =>
        Kahn(tree.Kustomizations.ToDictionary(k => k.Name, k => k.DependsOn.Select(d => d.Name).ToArray()));

    /// <summary>Kahn's algorithm (ties broken by name); nodes on or behind a cycle are left out.</summary>
    private static List<string> Kahn(Dictionary<string, string[]> dependsOn)
    {
        var remaining = dependsOn.ToDictionary(p => p.Key, p => p.Value.Where(dependsOn.ContainsKey).ToHashSet());
        var order = new List<string>();
        while (remaining.Where(p => p.Value.Count == 0).Select(p => p.Key).Order(StringComparer.Ordinal).FirstOrDefault() is { } next)
        {
            order.Add(next);
            remaining.Remove(next);
            foreach (var deps in remaining.Values) deps.Remove(next);
        }
        return order;
    }
}
