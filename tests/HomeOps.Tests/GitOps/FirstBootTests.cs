using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using HomeOps.Adapters.Files;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using HomeOps.Tests.Support;
using RepoManifest = HomeOps.Model.Repository.Manifest;

namespace HomeOps.Tests.GitOps;

/// <summary>The reference repository as the product loads it, once per test class.</summary>
public sealed class ReferenceRepository
{
    public RepoModel Model { get; } = new DiskRepository(new GitCli()).Load(Repo.Root, new Dictionary<string, string>());

    /// <summary>The documents of a YAML file that is not a Kubernetes manifest (talconfig.yaml, Talos patches, bootstrap-config.yaml).</summary>
    public static IReadOnlyList<JsonNode?> Yaml(string relativePath)
    {
        var findings = new FindingBag();
        var documents = YamlDocuments.Parse(File.ReadAllText(Path.Combine(Repo.Root, relativePath)), relativePath, findings);
        Assert.False(findings.HasErrors, string.Join("\n", findings.Sorted()));
        return documents.Select(d => YamlJson.ToJson(d.RootNode)).ToList();
    }

    public RepoManifest One(string kind, string name) => Assert.Single(Model.Manifests, m => m.Kind == kind && m.Name == name);

    /// <summary>A HelmRelease's values as Flux computes them (valuesFrom files, then spec.values).</summary>
    public JsonObject Values(string release) => HelmValues.Merged(HelmValues.LayersOf(Model, One("HelmRelease", release)));

    public IEnumerable<RepoManifest> FluxKustomizations => Model.Manifests.Where(m => m.Group == "kustomize.toolkit.fluxcd.io" && m.Kind == "Kustomization");

    public IEnumerable<string> DependsOn(string kustomization) =>
        RepoManifest.Items(One("Kustomization", kustomization).Get("/spec/dependsOn")).Select(d => RepoManifest.Text(d.Item.Field("name"))!);

    /// <summary>The Flux Kustomization itself and everything it waits for, transitively.</summary>
    public HashSet<string> Closure(string kustomization)
    {
        var seen = new HashSet<string>();
        var queue = new Queue<string>([kustomization]);
        while (queue.TryDequeue(out var next))
            if (seen.Add(next))
                foreach (var dependency in DependsOn(next)) queue.Enqueue(dependency);
        return seen;
    }

    public string PathOf(string kustomization) => RepoManifest.Text(One("Kustomization", kustomization).Get("/spec/path"))!.TrimStart('.', '/').TrimEnd('/');

    /// <summary>The Flux Kustomization whose path holds <paramref name="file"/> most closely.</summary>
    public string OwnerOf(string file) => FluxKustomizations.Where(k => k.Name != "flux-system")
        .Select(k => (k.Name, Path: PathOf(k.Name))).Where(k => file.StartsWith(k.Path + "/", StringComparison.Ordinal))
        .OrderByDescending(k => k.Path.Length).Select(k => k.Name).FirstOrDefault() ?? "flux-system";
}

/// <summary>
/// Issue #16, one test per item of "the reference cluster as it would really run": each judges the reference repository
/// as the product loads it against what the pinned upstream charts and Talos do (sources cited in the repository's own
/// comments and in docs/gitops/chain.md). Item 1's end-to-end proof is BootstrapCrdOrderTests; item 8 is issue-wide
/// (talhelper schema) and tested with the Talos compiler.
/// </summary>
public sealed class FirstBootTests(ReferenceRepository reference) : IClassFixture<ReferenceRepository>
{
    private static bool IsTrue(JsonNode? node) => node is JsonValue v && (v.TryGetValue<bool>(out var b) ? b : RepoManifest.Text(v) == "true");

    private static JsonNode? At(JsonNode? node, string dotted) => dotted.Split('.').Aggregate(node, (n, key) => n.Field(key));

    [Fact]
    public void Item1_the_Flux_Kustomizations_whose_charts_render_ServiceMonitors_wait_for_the_monitoring_CRDs()
    {
        // Cilium's values switch on four ServiceMonitors (cilium-1.17.6.tgz templates/*/servicemonitor.yaml) and ESO's one
        var cilium = reference.Values("cilium");
        Assert.True(IsTrue(At(cilium, "prometheus.serviceMonitor.enabled")));
        Assert.Null(At(cilium, "prometheus.serviceMonitor.trustCRDsExist")); // the chart's own CRD check stays on
        foreach (var kustomization in new[] { "cilium", "external-secrets" })
            Assert.Contains("prometheus-operator-crds", reference.Closure(kustomization));

        // and bootstrap installs the CRDs before Cilium (BootstrapCrdOrderTests runs it)
        var installs = ReferenceRepository.Yaml(RepoFiles.BootstrapConfig)[0]!["phases"]!.AsArray()
            .SelectMany(p => p!["installs"] as JsonArray ?? []).Select(i => RepoManifest.Text(i!["helmRelease"])).ToList();
        Assert.True(installs.IndexOf("monitoring/prometheus-operator-crds") is >= 0 and var crds && crds < installs.IndexOf("kube-system/cilium"), string.Join(", ", installs));
    }

    [Fact]
    public void Item2_the_external_outpost_keeps_its_sessions_where_it_can_write_and_finds_them_again()
    {
        var outpost = Assert.Single(reference.Model.Manifests, m => m.Kind == "Deployment"
            && (m.Get("/spec/template/spec/containers") as JsonArray ?? []).Any(c => RepoManifest.Text(c.Field("image"))?.StartsWith("ghcr.io/goauthentik/proxy:", StringComparison.Ordinal) == true));
        var container = (JsonObject)(outpost.Get("/spec/template/spec/containers") as JsonArray)!.Single(c => RepoManifest.Text(c.Field("image"))!.StartsWith("ghcr.io/goauthentik/proxy:", StringComparison.Ordinal))!;
        var env = (container["env"] as JsonArray ?? []).ToDictionary(e => RepoManifest.Text(e.Field("name"))!, e => RepoManifest.Text(e.Field("value")));

        // an external outpost never uses Redis (session.go: Redis only when embedded), so nothing configures or runs one
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("AUTHENTIK_REDIS__", StringComparison.Ordinal));
        Assert.DoesNotContain(reference.Model.Manifests, m => m.Namespace == outpost.Namespace && m.Kind == "Deployment" && m.Name.Contains("redis", StringComparison.Ordinal));

        // session files go to os.TempDir(): with a read-only root, TMPDIR must be inside a writable volume
        Assert.True(IsTrue(container.Field("securityContext").Field("readOnlyRootFilesystem")));
        var tmp = Assert.IsType<string>(env.GetValueOrDefault("TMPDIR"));
        var mounts = (container["volumeMounts"] as JsonArray ?? []).Select(v => (Name: RepoManifest.Text(v.Field("name"))!, Path: RepoManifest.Text(v.Field("mountPath"))!.TrimEnd('/') + "/"));
        var mount = Assert.Single(mounts, v => (tmp.TrimEnd('/') + "/").StartsWith(v.Path, StringComparison.Ordinal));
        var volume = Assert.Single(outpost.Get("/spec/template/spec/volumes") as JsonArray ?? [], v => RepoManifest.Text(v.Field("name")) == mount.Name);
        Assert.NotNull(volume.Field("emptyDir"));

        // files are per pod: one replica, or sticky sessions on the Ingress in front of it
        var replicas = outpost.Get("/spec/replicas") is JsonValue r && r.TryGetValue<long>(out var n) ? n : 1;
        var sticky = reference.Model.Manifests.Any(m => m.Kind == "Ingress" && m.Namespace == outpost.Namespace
            && RepoManifest.Text(m.Get("/metadata/annotations/nginx.ingress.kubernetes.io~1affinity")) == "cookie");
        Assert.True(replicas == 1 || sticky, $"{replicas} replicas of the outpost and no cookie affinity: the OAuth callback reaches a pod without the session");
    }

    [Fact]
    public void Item3_kube_prometheus_stack_does_not_monitor_the_kube_proxy_Talos_does_not_run()
    {
        var proxyDisabled = ReferenceRepository.Yaml("talos/patches/cluster.yaml").Any(d => IsTrue(At(d, "cluster.proxy.disabled")));
        Assert.True(proxyDisabled);
        var values = reference.Values("kube-prometheus-stack");
        // the chart default is kubeProxy.enabled: true (values.yaml @ kube-prometheus-stack-75.18.1), which keeps KubeProxyDown firing
        Assert.False(values.Field("kubeProxy").Field("enabled") is null || IsTrue(At(values, "kubeProxy.enabled")), "kubeProxy.enabled must be false");
    }

    [Fact]
    public void Item4_Cilium_replaces_kube_proxy_as_Talos_documents_and_sets_no_value_chart_1_17_6_lacks()
    {
        var values = reference.Values("cilium");
        Assert.True(IsTrue(values["kubeProxyReplacement"]), "kubeProxyReplacement must be true (only true/false are accepted by 1.17.6)");
        Assert.Equal("localhost", RepoManifest.Text(values["k8sServiceHost"]));
        // externalIPs is not a value of 1.17.6; nodePort/hostPort are only read when KPR is false (cilium-configmap.yaml:758-766)
        foreach (var key in new[] { "externalIPs", "nodePort", "hostPort" })
            Assert.False(values.ContainsKey(key), $"{key} does nothing with kubeProxyReplacement: true in chart 1.17.6");
    }

    [Fact]
    public void Item5_each_BGP_peer_negotiates_only_its_own_address_family()
    {
        // as Flux applies them: peer addresses come from cluster-settings
        var configs = reference.Model.Cluster.Objects.Where(m => m.Kind == "CiliumBGPPeerConfig").ToDictionary(m => m.Name);
        var peers = reference.Model.Cluster.Objects.Where(m => m.Kind == "CiliumBGPClusterConfig")
            .SelectMany(c => RepoManifest.Items(c.Get("/spec/bgpInstances")).SelectMany(i => RepoManifest.Items(i.Item.Field("peers")))).Select(p => p.Item).ToList();
        Assert.NotEmpty(peers);
        foreach (var peer in peers)
        {
            var family = IPAddress.Parse(RepoManifest.Text(peer.Field("peerAddress"))!).AddressFamily == AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4";
            var config = configs[RepoManifest.Text(peer.Field("peerConfigRef").Field("name"))!];
            var afis = RepoManifest.Items(config.Get("/spec/families")).Select(f => RepoManifest.Text(f.Item.Field("afi"))).Distinct().ToList();
            Assert.True(afis.SequenceEqual([family]), $"peer {RepoManifest.Text(peer.Field("name"))} ({family}) uses peer config {config.Name} with families {string.Join(", ", afis)}");
        }
    }

    [Fact]
    public void Item6_the_first_reconcile_needs_no_hand_copied_token_and_no_backup_item_before_cert_manager_and_monitoring()
    {
        // the outpost's token: nobody copies it into 1Password; it is fetched from authentik's API in the cluster
        var remoteKeys = reference.Model.Manifests.Where(m => m.Kind == "ExternalSecret")
            .SelectMany(m => RepoManifest.Items(m.Get("/spec/data")).Select(d => (m, Key: RepoManifest.Text(d.Item.Field("remoteRef").Field("key"))))).ToList();
        Assert.DoesNotContain(remoteKeys, r => r.Key == "authentik-proxy");
        var job = Assert.Single(reference.Model.Manifests, m => m.Kind == "Job" && m.Namespace == "authentik-proxy");
        var script = reference.One("ConfigMap", RepoManifest.Text(Assert.Single(RepoManifest.Items(job.Get("/spec/template/spec/volumes"))).Item.Field("configMap").Field("name"))!);
        var text = string.Concat((script.Get("/data") as JsonObject)!.Select(kv => RepoManifest.Text(kv.Value)));
        Assert.Contains("token_identifier", text);
        Assert.Contains("view_key", text);

        // no backup item is read by an ExternalSecret that cert-manager or monitoring wait for
        var before = reference.Closure("cert-manager").Union(reference.Closure("monitoring")).ToHashSet();
        var blocking = remoteKeys.Where(r => before.Contains(reference.OwnerOf(r.m.File)) && r.Key?.Contains("backup", StringComparison.Ordinal) == true).ToList();
        Assert.True(blocking.Count == 0, string.Join("\n", blocking.Select(b => $"{b.m.File}: {b.m.Name} reads item {b.Key} in Kustomization {reference.OwnerOf(b.m.File)}")));
    }

    [Fact]
    public void Item7_Longhorn_has_a_backup_target_and_recurring_jobs_and_Grafana_takes_its_trusted_header_only_from_the_outpost()
    {
        // the target (Longhorn 1.9: defaultBackupStore.backupTarget) is set inline or read from a Secret the tree makes
        var release = reference.One("HelmRelease", "longhorn");
        var inline = RepoManifest.Text(At(reference.Values("longhorn"), "defaultBackupStore.backupTarget"));
        var fromSecret = RepoManifest.Items(release.Get("/spec/valuesFrom")).Select(v => v.Item)
            .FirstOrDefault(v => RepoManifest.Text(v.Field("targetPath")) == "defaultBackupStore.backupTarget" && RepoManifest.Text(v.Field("kind")) == "Secret");
        Assert.True(!string.IsNullOrEmpty(inline) || fromSecret is not null, "defaultBackupStore.backupTarget (Longhorn 1.9) is not set");
        if (fromSecret is not null)
            Assert.Contains(reference.Model.Manifests, m => m.Kind == "ExternalSecret" && m.Namespace == release.Namespace
                && (RepoManifest.Text(m.Get("/spec/target/name")) ?? m.Name) == RepoManifest.Text(fromSecret.Field("name")));
        var jobs = reference.Model.Manifests.Where(m => m.Kind == "RecurringJob").ToList();
        foreach (var task in new[] { "snapshot", "backup" })
            Assert.Contains(jobs, j => RepoManifest.Text(j.Get("/spec/task")) == task && RepoManifest.Items(j.Get("/spec/groups")).Any(g => RepoManifest.Text(g.Item) == "default"));
        // RecurringJob's CRD comes with the Longhorn chart: its Kustomization waits for longhorn
        foreach (var job in jobs) Assert.Contains("longhorn", reference.DependsOn(reference.OwnerOf(job.File)));

        var kps = reference.One("HelmRelease", "kube-prometheus-stack");
        // Grafana trusts X-authentik-username from whoever reaches it
        Assert.True(IsTrue(reference.Values("kube-prometheus-stack").Field("grafana").Field("grafana.ini").Field("auth.proxy").Field("enabled")));
        var policy = Assert.Single(reference.Model.Manifests, m => m.Kind == "CiliumNetworkPolicy" && m.Namespace == kps.Namespace
            && RepoManifest.Text(m.Get("/spec/endpointSelector/matchLabels/app.kubernetes.io~1name")) == "grafana");
        var sources = RepoManifest.Items(policy.Get("/spec/ingress")).SelectMany(r => RepoManifest.Items(r.Item.Field("fromEndpoints")))
            .Select(e => RepoManifest.Text(e.Item.Field("matchLabels").Field("k8s:io.kubernetes.pod.namespace"))).ToList();
        Assert.Contains("authentik-proxy", sources);
        Assert.DoesNotContain(null, sources); // every allowed source is pinned to a namespace
    }

    [Fact]
    public void Item9_comments_and_settings_agree()
    {
        // the T5: UAS off by kernel argument, baked into the schematic (Talos 1.10 UEFI ignores install.extraKernelArgs)
        var kernelArgs = (At(ReferenceRepository.Yaml(RepoFiles.TalConfig)[0], "controlPlane.schematic.customization.extraKernelArgs") as JsonArray ?? [])
            .Select(RepoManifest.Text).ToList();
        Assert.Contains("usb-storage.quirks=04e8:61f5:u", kernelArgs);

        // ESO's ServiceMonitors are on (bootstrap installs the CRDs before it), not "switched on by monitoring"
        Assert.True(IsTrue(At(reference.Values("external-secrets"), "serviceMonitor.enabled")));

        // controller-manager and scheduler listen on every interface, so they are scraped
        var controlPlane = ReferenceRepository.Yaml("talos/patches/controlplane.yaml")[0];
        var kps = reference.Values("kube-prometheus-stack");
        foreach (var (talos, chart) in new[] { ("controllerManager", "kubeControllerManager"), ("scheduler", "kubeScheduler") })
            if (RepoManifest.Text(At(controlPlane, $"cluster.{talos}.extraArgs.bind-address")) == "0.0.0.0")
                Assert.True(IsTrue(At(kps, $"{chart}.enabled")), $"{chart} binds to 0.0.0.0 but is not scraped");

        // the reserved pool's comment names the label its selector needs, not only the annotation
        var pools = File.ReadAllText(Path.Combine(Repo.Root, "infrastructure", "cilium", "lb-ipam-pools.yaml"));
        var reserved = pools[..pools.IndexOf("name: bgp-reserved", StringComparison.Ordinal)];
        var comment = reserved[reserved.LastIndexOf("---", StringComparison.Ordinal)..];
        Assert.Contains("io.cilium/lb-ipam-pool: bgp-reserved", comment);
    }
}
