using HomeOps.Adapters.Files;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Validate;

/// <summary>
/// The repository patterns validate has to read as Flux does (issue 11's scope), each a small
/// repository of our own under tests/fixtures/patterns/&lt;pattern&gt;/{broken,fixed}: the broken one
/// gets exactly the findings the pattern is about, the fixed one none, and the rendered objects
/// hold what Flux would apply.
/// </summary>
public sealed class PatternTests
{
    public static string PathOf(string pattern, string variant) => Path.Combine(Repo.Root, "tests", "fixtures", "patterns", pattern, variant);

    /// <summary>Per pattern, the findings (rule and file) the broken repository must get.</summary>
    private static readonly Dictionary<string, (string Rule, string File)[]> Broken = new()
    {
        ["flux-components"] = [("flux/secret-ref-missing", "apps/web/app/deployment.yaml")],
        ["kustomize-transformers"] = [("flux/build-failed", "apps/site/kustomization.yaml")],
        ["postbuild-substitution"] = [("flux/variable-undefined", "apps/blog/app.yaml")],
        ["outside-git"] = [("flux/source-missing", "clusters/lab/vendor.yaml")],
        ["yaml-anchors"] = [("yaml/syntax", "apps/web.yaml")],
        ["templates-and-references"] = [("secrets/plaintext", "apps/grafana-secret.yaml")],
        ["sops"] = [("secrets/sops-unencrypted", "apps/settings/settings.sops.yaml"), ("flux/variable-undefined", "apps/api/configmap.yaml")],
        ["kubernetes-version"] = [("schema/kubernetes", "apps/gpu/claim.yaml")],
        ["schema-messages"] = [("schema/crd", "apps/database/cluster.yaml")],
        ["gateway-api"] = [("ingress/host-conflict", "apps/wiki/route.yaml"), ("ingress/tls-missing", "apps/status/route.yaml"), ("ingress/auth-bypass", "apps/grafana/route.yaml")],
        ["multi-cluster"] = [("network/lb-pool-overlap", "clusters/home/pool-extra.yaml")],
        ["crd-field-added"] = [("schema/crd", "apps/alerting/alertmanagerconfig.yaml")],
        ["l2-announcements"] = [("network/lb-pool-outside-plan", "cilium/announce.yaml")],
    };

    public static TheoryData<string> Patterns() => [.. Broken.Keys];

    private static (RepoModel Model, IReadOnlyList<Finding> Findings) Run(string pattern, string variant) =>
        (new DiskRepository(new NoGit()).Load(PathOf(pattern, variant), new Dictionary<string, string>()), RuleFixtures.Run(PathOf(pattern, variant)));

    [Theory]
    [MemberData(nameof(Patterns))]
    public void The_broken_repository_gets_the_findings_of_its_pattern(string pattern)
    {
        var found = RuleFixtures.Run(PathOf(pattern, "broken"));
        var all = string.Join("\n", found);
        foreach (var (rule, file) in Broken[pattern])
            Assert.True(found.Any(f => f.Rule == rule && f.Location.File == file), $"{pattern}: expected {rule} in {file}; found:\n{all}");
        Assert.DoesNotContain(found, f => f.Rule == "internal/rule-failed");
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void The_fixed_repository_is_clean(string pattern)
    {
        var found = RuleFixtures.Run(PathOf(pattern, "fixed"));
        var problems = found.Where(f => f.Severity != Severity.Info).ToList();
        Assert.True(problems.Count == 0, $"{pattern}/fixed:\n{string.Join("\n", problems)}");
    }

    [Fact]
    public void A_field_upstream_added_is_named_with_the_chart_version_that_added_it_and_then_judged_by_its_type()
    {
        var old = RuleFixtures.Run(PathOf("crd-field-added", "broken")).Single(f => f.Rule == "schema/crd");
        Assert.Equal(Severity.Warning, old.Severity);
        Assert.Contains("unknown field 'monospace' in AlertmanagerConfig.spec.receivers[].pushoverConfigs[]", old.Message);
        Assert.Contains("kube-prometheus-stack 80.0.0 or prometheus-operator-crds 25.0.0 added this field", old.Hint);

        using var temp = new TempDir();
        Repo.CopyDirectory(PathOf("crd-field-added", "fixed"), temp.Path);
        var config = Path.Combine(temp.Path, "apps", "alerting", "alertmanagerconfig.yaml");
        File.WriteAllText(config, File.ReadAllText(config).Replace("monospace: true", "monospace: \"yes\"", StringComparison.Ordinal));
        var wrongType = RuleFixtures.Run(temp.Path).Single(f => f.Rule == "schema/crd");
        Assert.Equal(Severity.Error, wrongType.Severity);
        Assert.Contains("spec.receivers[].pushoverConfigs[].monospace: should be boolean", wrongType.Message);
    }

    [Fact]
    public void Substitution_writes_what_flux_would_apply()
    {
        var (model, _) = Run("postbuild-substitution", "fixed");
        var blog = model.Flux.Kustomizations.Single(k => k.Name == "blog");
        var deployment = blog.Objects.Single(o => o.Kind == "Deployment").Body;
        Assert.Equal("blog", deployment["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("blog", deployment["metadata"]!["namespace"]!.GetValue<string>()); // spec.targetNamespace
        Assert.Equal(2, deployment["spec"]!["replicas"]!.GetValue<long>());             // a plain ${...} became a number
        var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("Europe/Berlin", container["env"]![0]!["value"]!.GetValue<string>());  // substituteFrom wins over the default
        Assert.Equal("https://blog.home.example.com", container["env"]![1]!["value"]!.GetValue<string>());
        Assert.Equal("echo ${HOME}", container["command"]![2]!.GetValue<string>());         // $$ is an escaped $
        var certificate = blog.Objects.Single(o => o.Kind == "Certificate").Body;
        Assert.Equal("home-example.com-tls", certificate["spec"]!["secretName"]!.GetValue<string>()); // ${DOMAIN/./-} replaces the first dot
        var dashboard = blog.Objects.Single(o => o.Kind == "ConfigMap").Body;
        Assert.Equal("${APP}-grafana", dashboard["metadata"]!["name"]!.GetValue<string>()); // substitute: disabled
        Assert.Contains("${datasource}", dashboard["data"]!["dashboard.json"]!.GetValue<string>());
    }

    [Fact]
    public void Variables_of_unknown_value_stay_visible_and_are_not_judged()
    {
        var (model, found) = Run("sops", "fixed");
        var client = model.Flux.Kustomizations.Single(k => k.Name == "api").Objects.Single(o => o.Kind == "ConfigMap").Body;
        // the SOPS Secret gives its keys, not its values
        Assert.Equal("https://${API_HOST}/v1", client["data"]!["url"]!.GetValue<string>());
        Assert.DoesNotContain(found, f => f.Rule == "flux/variable-undefined");
        // the decrypted Secret has no sops block left
        var secret = model.Flux.Kustomizations.Single(k => k.Name == "settings").Objects.Single(o => o.Kind == "Secret").Body;
        Assert.False(secret.ContainsKey("sops"));
    }

    [Fact]
    public void Templates_are_counted_and_not_judged()
    {
        var root = PathOf("templates-and-references", "fixed");
        var validator = new HomeOps.Validate.Engine.Validator(HomeOps.Validate.Engine.RuleCatalog.All());
        var model = new DiskRepository(new NoGit()).Load(root, new Dictionary<string, string>());
        var report = validator.Run(model, validator.Select([], []), new HomeOps.Adapters.Schemas.SchemaStore([Repo.Schemas], Path.Combine(Path.GetTempPath(), "homeops-test-schema-cache")), TimeSpan.Zero);
        Assert.Equal(1, report.Templates); // bootstrap/secrets.yaml.j2
        Assert.DoesNotContain(report.Findings, f => f.Location.File.EndsWith(".j2", StringComparison.Ordinal));
    }

    [Fact]
    public void A_FluxInstance_sync_and_the_bootstrap_provide_what_git_does_not()
    {
        var (model, _) = Run("outside-git", "fixed");
        var root = Assert.Single(model.Flux.Kustomizations, k => k.Parent is null);
        Assert.True(root.Synthetic);
        Assert.Equal(("flux-system", "flux-system", "clusters/lab"), (root.Key.Namespace, root.Key.Name, root.Directory));
        var token = Assert.Single(model.Flux.Outside, o => o.Name == "vendor-token");
        Assert.Equal(("vendor", "Taskfile.yml"), (token.Namespace, token.At.File));
        Assert.Equal(["token"], token.Keys!);
    }

    [Fact]
    public void Components_of_the_Flux_Kustomization_land_in_its_target_namespace()
    {
        var (model, _) = Run("flux-components", "fixed");
        var secret = model.Flux.Kustomizations.Single(k => k.Name == "web").Objects.Single(o => o.Kind == "ExternalSecret");
        Assert.Equal(("web", "web-secret"), (secret.Namespace, secret.Body["spec"]!["target"]!["name"]!.GetValue<string>()));
        Assert.Equal("components/app-secret/externalsecret.yaml", secret.File);
    }

    [Fact]
    public void Schema_findings_name_the_deciding_problem_in_plain_words()
    {
        var found = RuleFixtures.Run(PathOf("schema-messages", "broken")).Where(f => f.Rule == "schema/crd").ToList();
        var unknown = Assert.Single(found);
        Assert.Contains("unknown field 'connectionPooler' in Cluster.spec (postgresql.cnpg.io/v1)", unknown.Message);
        Assert.Equal(Severity.Warning, unknown.Severity);
        // resources.requests.memory: "512Mi" passes the anyOf [integer, string]; its integer branch is not reported
        Assert.DoesNotContain(found, f => f.Message.Contains("memory", StringComparison.Ordinal));
    }

    [Fact]
    public void The_kubernetes_version_comes_from_the_talos_config_template_or_the_option()
    {
        var broken = RuleFixtures.Run(PathOf("kubernetes-version", "broken")).Single(f => f.Rule == "schema/kubernetes");
        Assert.Contains("v1.33 (talos/controlplane.yaml.j2 Kubernetes images)", broken.Message);
        Assert.Contains(RuleFixtures.Run(PathOf("kubernetes-version", "fixed"), new HomeOps.Validate.Engine.ValidationSettings(new ReleaseVersion(1, 33, 0))),
            f => f.Rule == "schema/kubernetes" && f.Message.Contains("--kubernetes-version", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_cluster_is_judged_on_its_own()
    {
        var (model, found) = Run("multi-cluster", "fixed");
        Assert.Equal(2, model.Clusters.Count);
        Assert.DoesNotContain(found, f => f.Rule == "network/lb-pool-overlap");
    }

    [Fact]
    public void Merge_keys_and_octal_modes_read_as_kubernetes_gets_them()
    {
        var (model, _) = Run("yaml-anchors", "fixed");
        var deployment = model.Manifests.Single(m => m.Kind == "Deployment").Body;
        var labels = deployment["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        Assert.Equal(["app.kubernetes.io/name", "tier"], labels.Select(p => p.Key).Order());
        var sidecar = deployment["spec"]!["template"]!["spec"]!["containers"]![1]!["resources"]!;
        Assert.NotNull(sidecar["requests"]);
        Assert.Equal(420, deployment["spec"]!["template"]!["spec"]!["volumes"]![0]!["configMap"]!["defaultMode"]!.GetValue<long>());
    }

    private sealed class NoGit : IGit
    {
        public (IReadOnlyList<string> Files, IReadOnlySet<string> Tracked)? ListFiles(string repositoryRoot) => null;
    }
}
