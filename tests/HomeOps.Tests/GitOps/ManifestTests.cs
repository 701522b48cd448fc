using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HomeOps.Adapters.Files;
using HomeOps.Adapters.Schemas;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Tests.Support;
using HomeOps.Validate.Engine;
using HomeOps.Validate.Rules.Flux;
using HomeOps.Validate.Rules.Schema;
using HomeOps.Validate.Schema;

namespace HomeOps.Tests.GitOps;

/// <summary>
/// Issue 3, acceptance 1, through the product: every manifest parses; custom resources validate
/// against their CRD schemas and built-in kinds strictly against the Kubernetes types (the product's
/// schema rules); the built-in objects refer to each other consistently.
/// </summary>
public class ManifestTests(ReferenceTree tree) : IClassFixture<ReferenceTree>
{
    private static bool IsBuiltIn(Manifest m) => KubernetesTypes.IsBuiltInGroup(m.Group);

    private static readonly HashSet<string> ClusterScopedBuiltIns = ["Namespace", "PersistentVolume", "IngressClass", "ClusterRole", "ClusterRoleBinding", "StorageClass", "PriorityClass"];

    [Fact]
    public void Every_yaml_file_in_the_tree_parses()
    {
        var files = tree.YamlFiles.ToList();
        foreach (var root in ReferenceTree.TreeRoots) Assert.Contains(files, f => f.StartsWith(root + "/", StringComparison.Ordinal));
        var failures = tree.Findings("yaml/syntax", "yaml/duplicate-key");
        Assert.True(failures.Count == 0, "YAML that does not parse:\n" + string.Join("\n", failures));
        // Every YAML file that holds no Kubernetes object is read by a build as a generator input
        // (infrastructure/cilium/values.yaml): nothing sits in the tree unread.
        var data = files.Where(f => !FluxTree.IsOverlayFile(f) && !tree.Model.Manifests.Any(m => m.File == f)).ToList();
        Assert.NotEmpty(data);
        Assert.All(data, f => Assert.True(tree.Flux.FilesReached.Contains(f), $"{f} is not a Kubernetes object and no build reads it"));
    }

    [Fact]
    public void Every_manifest_has_a_name_and_only_known_metadata_fields()
    {
        Assert.NotEmpty(tree.Manifests);
        string[] allowed = ["name", "namespace", "labels", "annotations", "finalizers", "ownerReferences", "generateName"];
        var dns1123 = new Regex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$");
        var problems = new List<string>();
        foreach (var m in tree.Manifests)
        {
            if (m.Body["metadata"] is not JsonObject meta) { problems.Add($"{ReferenceTree.Show(m)}: no metadata"); continue; }
            problems.AddRange(meta.Select(p => p.Key).Except(allowed).Select(k => $"{ReferenceTree.Show(m)}: unknown metadata field {k}"));
            if (!dns1123.IsMatch(m.Name) || m.Name.Length > 253) problems.Add($"{ReferenceTree.Show(m)}: metadata.name '{m.Name}' is not a DNS-1123 subdomain");
            foreach (var map in new[] { "labels", "annotations" })
                if (meta[map] is JsonObject o)
                    problems.AddRange(o.Where(p => ReferenceTree.Str(p.Value) is null).Select(p => $"{ReferenceTree.Show(m)}: metadata.{map}.{p.Key} is not a string"));
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_custom_resource_validates_against_its_CRD_schema()
    {
        // The tree is made mostly of custom resources (Flux, cert-manager, Cilium, ESO, CNPG, Prometheus operator).
        Assert.True(tree.Manifests.Count(m => !IsBuiltIn(m)) >= 20, "fewer than 20 custom resources");
        var problems = tree.Findings("schema/crd", "schema/unknown-kind");
        Assert.True(problems.Count == 0, "custom resources not valid against their CRD (or without one):\n" + string.Join("\n", problems));
    }

    [Fact]
    public void The_CRD_schemas_really_reject_invalid_resources()
    {
        // Negative control for the test above: the same product path, with a pool whose block has an
        // unknown field and a GitRepository without its required spec.url, must fail.
        static Json.Schema.JsonSchema Load(string path) => new SchemaCheck().Register(CrdSchema.Normalize(File.ReadAllText(path)), new Uri(path));
        var pool = Load(Path.Combine(Repo.Schemas, "crds", "cilium.io", "ciliumloadbalancerippool_v2alpha1.json"));
        var bad = JsonNode.Parse("""{"apiVersion":"cilium.io/v2alpha1","kind":"CiliumLoadBalancerIPPool","metadata":{"name":"x"},"spec":{"blocks":[{"begin":"10.0.0.1"}]}}""");
        Assert.NotEmpty(SchemaCheck.Evaluate(pool, bad));
        var good = tree.OfKind("CiliumLoadBalancerIPPool").First();
        Assert.Empty(SchemaCheck.Evaluate(pool, good.Body));

        var git = Load(Path.Combine(Repo.Schemas, "crds", "source.toolkit.fluxcd.io", "gitrepository_v1.json"));
        Assert.NotEmpty(SchemaCheck.Evaluate(git, JsonNode.Parse("""{"apiVersion":"source.toolkit.fluxcd.io/v1","kind":"GitRepository","metadata":{"name":"x"},"spec":{"interval":"1m"}}""")));
    }

    /// <summary>
    /// Built-in kinds go through the product's schema/kubernetes rule: strict deserialization into
    /// the official Kubernetes model types (every level, every field, value types) and the API
    /// versions the cluster's release (talconfig.yaml) serves. The cross-references below come on top.
    /// </summary>
    [Fact]
    public void Built_in_kinds_validate_strictly_against_the_Kubernetes_types()
    {
        var builtIns = tree.Manifests.Where(IsBuiltIn).ToList();
        Assert.Contains(builtIns, m => m.Kind == "Deployment");
        var found = tree.Findings("schema/kubernetes");
        Assert.True(found.Count == 0, string.Join("\n", found));
        var problems = builtIns.Where(m => !ClusterScopedBuiltIns.Contains(m.Kind) && string.IsNullOrEmpty(m.Namespace))
            .Select(m => $"{ReferenceTree.Show(m)}: namespaced kind without metadata.namespace").ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Built_in_objects_have_consistent_references()
    {
        var problems = new List<string>();
        var deployments = tree.OfKind("Deployment").ToList();
        var services = tree.OfKind("Service").ToList();
        Assert.NotEmpty(deployments);
        Assert.NotEmpty(services);
        foreach (var d in deployments) problems.AddRange(CheckDeployment(d));
        foreach (var s in services) problems.AddRange(CheckService(s, deployments));
        foreach (var i in tree.OfKind("Ingress")) problems.AddRange(CheckIngress(i, services));
        foreach (var p in tree.OfKind("PersistentVolumeClaim")) problems.AddRange(CheckPvc(p));

        var namespaces = tree.OfKind("Namespace").Select(n => n.Name).ToHashSet();
        foreach (var m in tree.Manifests.Where(m => m.Namespace is not null && !namespaces.Contains(m.Namespace!)))
            problems.Add($"{ReferenceTree.Show(m)}: namespace {m.Namespace} is not declared by any Namespace in the tree");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_strict_check_rejects_unknown_fields_and_wrong_types()
    {
        // Negative control for the product's strict check: a misspelled container field and a string where an int belongs.
        const string text = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: x, namespace: x}
            spec:
              replicas: two
              selector: {matchLabels: {app: x}}
              template:
                metadata: {labels: {app: x}}
                spec:
                  containers:
                    - name: x
                      image: x:1
                      imagePullPolicyy: Always
            """;
        using var temp = new TempDir();
        temp.Write("bad.yaml", text);
        var strict = StrictCheck(temp.Path);
        Assert.Contains(strict, d => d.Message.Contains("unknown field 'imagePullPolicyy' in Deployment.spec.template.spec.containers[] (apps/v1)") && d.Location.Line == 13 && d.Hint!.Contains("'imagePullPolicy'"));
        Assert.Contains(strict, d => d.Message.Contains("spec.replicas"));
    }

    private static IReadOnlyList<Finding> StrictCheck(string root)
    {
        var validator = new Validator(RuleCatalog.All());
        var model = new DiskRepository(new GitCli()).Load(root, new Dictionary<string, string>());
        var schemas = new SchemaStore([Repo.Schemas], Path.Combine(Path.GetTempPath(), "homeops-test-schema-cache"));
        return validator.Run(model, validator.Select(["schema/kubernetes"], []), schemas, TimeSpan.Zero).Findings;
    }

    private static IEnumerable<string> CheckDeployment(Manifest d)
    {
        var spec = d.Body["spec"];
        var selector = spec?["selector"]?["matchLabels"] as JsonObject;
        var labels = spec?["template"]?["metadata"]?["labels"] as JsonObject;
        if (selector is null || selector.Count == 0) yield return $"{ReferenceTree.Show(d)}: spec.selector.matchLabels is empty";
        else if (labels is null || selector.Any(p => ReferenceTree.Str(labels[p.Key]) != ReferenceTree.Str(p.Value)))
            yield return $"{ReferenceTree.Show(d)}: spec.selector does not match spec.template.metadata.labels";
        var pod = spec?["template"]?["spec"];
        var containers = pod?["containers"] as JsonArray ?? [];
        if (containers.Count == 0) yield return $"{ReferenceTree.Show(d)}: no containers";
        var volumes = (pod?["volumes"] as JsonArray ?? []).Select(v => ReferenceTree.Str(v?["name"])).ToHashSet();
        foreach (var c in containers.Concat(pod?["initContainers"] as JsonArray ?? []))
        {
            var name = ReferenceTree.Str(c?["name"]);
            if (string.IsNullOrEmpty(name)) yield return $"{ReferenceTree.Show(d)}: container without name";
            if (string.IsNullOrEmpty(ReferenceTree.Str(c?["image"]))) yield return $"{ReferenceTree.Show(d)}: container {name} without image";
            var ports = c?["ports"] as JsonArray ?? [];
            var portNames = new HashSet<string>();
            foreach (var p in ports)
            {
                if (p?["containerPort"] is not JsonValue v || !v.TryGetValue<long>(out var n) || n is < 1 or > 65535)
                    yield return $"{ReferenceTree.Show(d)}: container {name} port without a containerPort in 1..65535";
                if (ReferenceTree.Str(p?["name"]) is { } pn && (pn.Length > 15 || !portNames.Add(pn)))
                    yield return $"{ReferenceTree.Show(d)}: container {name} port name '{pn}' is longer than 15 characters or repeated";
            }
            foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
            {
                var port = c?[probe]?["httpGet"]?["port"] ?? c?[probe]?["tcpSocket"]?["port"];
                if (ReferenceTree.Str(port) is { } named && !portNames.Contains(named))
                    yield return $"{ReferenceTree.Show(d)}: container {name} {probe} uses port '{named}', which the container does not declare";
            }
            foreach (var mount in c?["volumeMounts"] as JsonArray ?? [])
                if (!volumes.Contains(ReferenceTree.Str(mount?["name"])))
                    yield return $"{ReferenceTree.Show(d)}: container {name} mounts volume '{ReferenceTree.Str(mount?["name"])}', which the pod does not define";
            foreach (var env in c?["env"] as JsonArray ?? [])
                if (env?["value"] is not null && env["valueFrom"] is not null)
                    yield return $"{ReferenceTree.Show(d)}: container {name} env {ReferenceTree.Str(env["name"])} has both value and valueFrom";
        }
    }

    private static IEnumerable<string> CheckService(Manifest s, IReadOnlyList<Manifest> deployments)
    {
        var spec = s.Body["spec"];
        var type = ReferenceTree.Str(spec?["type"]) ?? "ClusterIP";
        if (type is not ("ClusterIP" or "NodePort" or "LoadBalancer" or "ExternalName")) yield return $"{ReferenceTree.Show(s)}: spec.type {type} is not a Service type";
        var ports = spec?["ports"] as JsonArray ?? [];
        if (ports.Count == 0 && type != "ExternalName") yield return $"{ReferenceTree.Show(s)}: no ports";
        if (spec?["selector"] is not JsonObject selector || selector.Count == 0) { yield return $"{ReferenceTree.Show(s)}: no selector"; yield break; }
        // The Deployment(s) in the tree whose pods the selector picks.
        var targets = deployments.Where(d => d.Namespace == s.Namespace
                                             && spec["selector"]!.AsObject().All(p => ReferenceTree.Str(d.Body["spec"]?["template"]?["metadata"]?["labels"]?[p.Key]) == ReferenceTree.Str(p.Value)))
            .ToList();
        if (targets.Count == 0) { yield return $"{ReferenceTree.Show(s)}: selector matches no Deployment's pod labels in namespace {s.Namespace}"; yield break; }
        foreach (var p in ports)
        {
            if (p?["port"] is not JsonValue v || !v.TryGetValue<long>(out var n) || n is < 1 or > 65535) yield return $"{ReferenceTree.Show(s)}: port without a port number in 1..65535";
            if (ReferenceTree.Str(p?["targetPort"]) is { } named
                && !targets.Any(d => (d.Body["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? []).Any(c => (c?["ports"] as JsonArray ?? []).Any(cp => ReferenceTree.Str(cp?["name"]) == named))))
                yield return $"{ReferenceTree.Show(s)}: targetPort '{named}' is not a container port name of the selected pods";
        }
    }

    private static IEnumerable<string> CheckIngress(Manifest i, IReadOnlyList<Manifest> services)
    {
        var spec = i.Body["spec"];
        if (string.IsNullOrEmpty(ReferenceTree.Str(spec?["ingressClassName"]))) yield return $"{ReferenceTree.Show(i)}: no spec.ingressClassName";
        var rules = spec?["rules"] as JsonArray ?? [];
        if (rules.Count == 0) yield return $"{ReferenceTree.Show(i)}: no rules";
        var tlsHosts = (spec?["tls"] as JsonArray ?? []).SelectMany(t => t?["hosts"] as JsonArray ?? []).Select(ReferenceTree.Str).ToHashSet();
        foreach (var t in spec?["tls"] as JsonArray ?? [])
            if (string.IsNullOrEmpty(ReferenceTree.Str(t?["secretName"]))) yield return $"{ReferenceTree.Show(i)}: tls entry without secretName";
        foreach (var rule in rules)
        {
            var host = ReferenceTree.Str(rule?["host"]);
            if (host is not null && !tlsHosts.Contains(host)) yield return $"{ReferenceTree.Show(i)}: host {host} is not listed under spec.tls hosts";
            var paths = rule?["http"]?["paths"] as JsonArray ?? [];
            if (paths.Count == 0) yield return $"{ReferenceTree.Show(i)}: rule {host} has no http paths";
            foreach (var p in paths)
            {
                if (ReferenceTree.Str(p?["pathType"]) is not ("Exact" or "Prefix" or "ImplementationSpecific")) yield return $"{ReferenceTree.Show(i)}: {host} path without a valid pathType";
                var backend = p?["backend"]?["service"];
                var svc = services.FirstOrDefault(s => s.Namespace == i.Namespace && s.Name == ReferenceTree.Str(backend?["name"]));
                if (svc is null) { yield return $"{ReferenceTree.Show(i)}: {host} backend Service {ReferenceTree.Str(backend?["name"])} does not exist in namespace {i.Namespace}"; continue; }
                var portName = ReferenceTree.Str(backend?["port"]?["name"]);
                var ports = svc.Body["spec"]?["ports"] as JsonArray ?? [];
                if (portName is not null && !ports.Any(sp => ReferenceTree.Str(sp?["name"]) == portName)) yield return $"{ReferenceTree.Show(i)}: {host} backend port '{portName}' is not a port of Service {svc.Name}";
                if (portName is null && backend?["port"]?["number"] is null) yield return $"{ReferenceTree.Show(i)}: {host} backend without port";
            }
        }
        foreach (var host in tlsHosts.Where(h => !rules.Any(r => ReferenceTree.Str(r?["host"]) == h))) yield return $"{ReferenceTree.Show(i)}: tls host {host} has no rule";
    }

    private static IEnumerable<string> CheckPvc(Manifest p)
    {
        var spec = p.Body["spec"];
        var modes = (spec?["accessModes"] as JsonArray ?? []).Select(ReferenceTree.Str).ToList();
        if (modes.Count == 0 || modes.Any(m => m is not ("ReadWriteOnce" or "ReadOnlyMany" or "ReadWriteMany" or "ReadWriteOncePod"))) yield return $"{ReferenceTree.Show(p)}: accessModes missing or invalid";
        if (ReferenceTree.Str(spec?["resources"]?["requests"]?["storage"]) is not { } size || !Regex.IsMatch(size, @"^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$"))
            yield return $"{ReferenceTree.Show(p)}: resources.requests.storage is not a quantity";
    }
}
