using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HomeOps.Adapters.Files;
using HomeOps.Adapters.Schemas;
using HomeOps.Model;
using HomeOps.Tests.Support;
using HomeOps.Validate.Engine;
using HomeOps.Validate.Rules.Schema;
using HomeOps.Validate.Schema;

namespace HomeOps.Tests.GitOps;

/// <summary>
/// Issue 3, acceptance 1: every manifest parses; custom resources validate against their CRD
/// schemas; built-in kinds validate strictly against the Kubernetes v1.31 types.
/// </summary>
public class ManifestTests(GitOpsTree tree) : IClassFixture<GitOpsTree>
{
    private static bool IsBuiltIn(Manifest m) => KubernetesTypes.IsBuiltInGroup(m.Group);

    private static readonly HashSet<string> ClusterScopedBuiltIns = ["Namespace", "PersistentVolume", "IngressClass", "ClusterRole", "ClusterRoleBinding", "StorageClass", "PriorityClass"];

    [Fact]
    public void Every_yaml_file_in_the_tree_parses()
    {
        Assert.NotEmpty(tree.YamlFiles);
        foreach (var root in GitOpsTree.TreeRoots) Assert.Contains(tree.YamlFiles, f => f.StartsWith(root + "/", StringComparison.Ordinal));
        var failures = tree.ParseErrors.Where(e => e.Value.Count > 0).SelectMany(e => e.Value).Select(d => d.ToString()).ToList();
        Assert.True(failures.Count == 0, "YAML that does not parse:\n" + string.Join("\n", failures));
        // Every non-empty document is either a Kubernetes object or kustomize config, except Helm values files,
        // which must be pulled in by a configMapGenerator (infrastructure/cilium/values.yaml).
        var generated = tree.Documents.Where(d => d.Json is JsonObject o && o["kind"] is null && o["apiVersion"] is null).Select(d => d.File).Distinct().ToList();
        foreach (var file in generated)
        {
            var kustomization = Path.Combine(tree.Root, Path.GetDirectoryName(file)!, "kustomization.yaml");
            Assert.True(File.Exists(kustomization), $"{file} is not a Kubernetes object and has no kustomization.yaml beside it");
            var generators = GitOpsTree.ParseYamlFile(kustomization).Single()!["configMapGenerator"] as JsonArray ?? [];
            Assert.True(generators.Any(g => (g!["files"] as JsonArray ?? []).Any(f => GitOpsTree.Str(f)?.Split('=').Last() == Path.GetFileName(file))),
                $"{file} is not a Kubernetes object and no configMapGenerator in its kustomization.yaml reads it");
        }
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
            if (m.Json["metadata"] is not JsonObject meta) { problems.Add($"{m}: no metadata"); continue; }
            problems.AddRange(meta.Select(p => p.Key).Except(allowed).Select(k => $"{m}: unknown metadata field {k}"));
            if (!dns1123.IsMatch(m.Name) || m.Name.Length > 253) problems.Add($"{m}: metadata.name '{m.Name}' is not a DNS-1123 subdomain");
            foreach (var map in new[] { "labels", "annotations" })
                if (meta[map] is JsonObject o)
                    problems.AddRange(o.Where(p => GitOpsTree.Str(p.Value) is null).Select(p => $"{m}: metadata.{map}.{p.Key} is not a string"));
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_custom_resource_validates_against_its_CRD_schema()
    {
        var customResources = tree.Manifests.Where(m => !IsBuiltIn(m)).ToList();
        // The tree is made mostly of custom resources (Flux, cert-manager, Cilium, ESO, CNPG, Prometheus operator).
        Assert.True(customResources.Count >= 20, $"only {customResources.Count} custom resources found");
        var problems = new ConcurrentBag<string>();
        Parallel.ForEach(customResources, m =>
        {
            var schemaFile = Path.Combine(Repo.Schemas, "crds", m.Group, $"{m.Kind.ToLowerInvariant()}_{m.Version}.json");
            if (!File.Exists(schemaFile)) { problems.Add($"{m}: no CRD schema {Path.GetRelativePath(Repo.Schemas, schemaFile)}"); return; }
            var schema = CrdSchemas.Load(schemaFile);
            foreach (var e in SchemaCheck.Evaluate(schema, m.Json)) problems.Add($"{m}: {e.InstancePath} {e.Message}");
        });
        Assert.True(problems.IsEmpty, "custom resources not valid against their CRD:\n" + string.Join("\n", problems.Order()));
    }

    [Fact]
    public void The_CRD_schemas_really_reject_invalid_resources()
    {
        // Negative control for the test above: the same path, with a pool whose block has an
        // unknown field and a GitRepository without its required spec.url, must fail.
        var pool = CrdSchemas.Load(Path.Combine(Repo.Schemas, "crds", "cilium.io", "ciliumloadbalancerippool_v2alpha1.json"));
        var bad = JsonNode.Parse("""{"apiVersion":"cilium.io/v2alpha1","kind":"CiliumLoadBalancerIPPool","metadata":{"name":"x"},"spec":{"blocks":[{"begin":"10.0.0.1"}]}}""");
        Assert.NotEmpty(SchemaCheck.Evaluate(pool, bad));
        var good = tree.OfKind("CiliumLoadBalancerIPPool").First();
        Assert.Empty(SchemaCheck.Evaluate(pool, good.Json));

        var git = CrdSchemas.Load(Path.Combine(Repo.Schemas, "crds", "source.toolkit.fluxcd.io", "gitrepository_v1.json"));
        Assert.NotEmpty(SchemaCheck.Evaluate(git, JsonNode.Parse("""{"apiVersion":"source.toolkit.fluxcd.io/v1","kind":"GitRepository","metadata":{"name":"x"},"spec":{"interval":"1m"}}""")));
    }

    /// <summary>
    /// Built-in kinds go through the product's schema/kubernetes rule: strict deserialization into
    /// the official Kubernetes model types (every level, every field, value types) and the API
    /// versions a v1.31 API server serves. The semantic cross-references below come on top.
    /// </summary>
    [Fact]
    public void Built_in_kinds_validate_strictly_against_the_Kubernetes_v1_31_types()
    {
        var builtIns = tree.Manifests.Where(IsBuiltIn).ToList();
        Assert.Contains(builtIns, m => m.Kind == "Deployment");
        var found = StrictCheck(Repo.Root);
        Assert.True(found.Count == 0, string.Join("\n", found));
        var problems = builtIns.Where(m => !ClusterScopedBuiltIns.Contains(m.Kind) && string.IsNullOrEmpty(m.Namespace))
            .Select(m => $"{m}: namespaced kind without metadata.namespace").ToList();
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
            problems.Add($"{m}: namespace {m.Namespace} is not declared by any Namespace in the tree");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_built_in_checks_reject_unknown_fields_wrong_types_and_dangling_references()
    {
        // Negative control: a misspelled container field, a string where an int belongs, and a probe on an undeclared port.
        const string text = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: x, namespace: x}
            spec:
              replicas: two
              selector: {matchLabels: {app: x}}
              template:
                metadata: {labels: {app: y}}
                spec:
                  containers:
                    - name: x
                      image: x:1
                      imagePullPolicyy: Always
                      ports: [{name: http, containerPort: 80}]
                      readinessProbe: {httpGet: {path: /, port: metrics}}
            """;
        using var temp = new TempDir();
        temp.Write("bad.yaml", text);
        var strict = StrictCheck(temp.Path);
        Assert.Contains(strict, d => d.Message.Contains("imagePullPolicyy") && d.Location.Line == 13);
        Assert.Contains(strict, d => d.Message.Contains("spec.replicas"));
        var m = new Manifest("bad.yaml", 0, (JsonObject)GitOpsTree.ParseYamlText(text, "bad.yaml").Single()!);
        var problems = CheckDeployment(m).ToList();
        Assert.Contains(problems, p => p.Contains("port 'metrics'"));
        Assert.Contains(problems, p => p.Contains("selector"));
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
        var spec = d.Json["spec"];
        var selector = spec?["selector"]?["matchLabels"] as JsonObject;
        var labels = spec?["template"]?["metadata"]?["labels"] as JsonObject;
        if (selector is null || selector.Count == 0) yield return $"{d}: spec.selector.matchLabels is empty";
        else if (labels is null || selector.Any(p => GitOpsTree.Str(labels[p.Key]) != GitOpsTree.Str(p.Value)))
            yield return $"{d}: spec.selector does not match spec.template.metadata.labels";
        var pod = spec?["template"]?["spec"];
        var containers = pod?["containers"] as JsonArray ?? [];
        if (containers.Count == 0) yield return $"{d}: no containers";
        var volumes = (pod?["volumes"] as JsonArray ?? []).Select(v => GitOpsTree.Str(v?["name"])).ToHashSet();
        foreach (var c in containers.Concat(pod?["initContainers"] as JsonArray ?? []))
        {
            var name = GitOpsTree.Str(c?["name"]);
            if (string.IsNullOrEmpty(name)) yield return $"{d}: container without name";
            if (string.IsNullOrEmpty(GitOpsTree.Str(c?["image"]))) yield return $"{d}: container {name} without image";
            var ports = c?["ports"] as JsonArray ?? [];
            var portNames = new HashSet<string>();
            foreach (var p in ports)
            {
                if (p?["containerPort"] is not JsonValue v || !v.TryGetValue<long>(out var n) || n is < 1 or > 65535)
                    yield return $"{d}: container {name} port without a containerPort in 1..65535";
                if (GitOpsTree.Str(p?["name"]) is { } pn && (pn.Length > 15 || !portNames.Add(pn)))
                    yield return $"{d}: container {name} port name '{pn}' is longer than 15 characters or repeated";
            }
            foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
            {
                var port = c?[probe]?["httpGet"]?["port"] ?? c?[probe]?["tcpSocket"]?["port"];
                if (GitOpsTree.Str(port) is { } named && !portNames.Contains(named))
                    yield return $"{d}: container {name} {probe} uses port '{named}', which the container does not declare";
            }
            foreach (var mount in c?["volumeMounts"] as JsonArray ?? [])
                if (!volumes.Contains(GitOpsTree.Str(mount?["name"])))
                    yield return $"{d}: container {name} mounts volume '{GitOpsTree.Str(mount?["name"])}', which the pod does not define";
            foreach (var env in c?["env"] as JsonArray ?? [])
                if (env?["value"] is not null && env["valueFrom"] is not null)
                    yield return $"{d}: container {name} env {GitOpsTree.Str(env["name"])} has both value and valueFrom";
        }
    }

    private static IEnumerable<string> CheckService(Manifest s, IReadOnlyList<Manifest> deployments)
    {
        var spec = s.Json["spec"];
        var type = GitOpsTree.Str(spec?["type"]) ?? "ClusterIP";
        if (type is not ("ClusterIP" or "NodePort" or "LoadBalancer" or "ExternalName")) yield return $"{s}: spec.type {type} is not a Service type";
        var ports = spec?["ports"] as JsonArray ?? [];
        if (ports.Count == 0 && type != "ExternalName") yield return $"{s}: no ports";
        if (spec?["selector"] is not JsonObject selector || selector.Count == 0) { yield return $"{s}: no selector"; yield break; }
        // The Deployment(s) in the tree whose pods the selector picks.
        var targets = deployments.Where(d => d.Namespace == s.Namespace
                                             && spec["selector"]!.AsObject().All(p => GitOpsTree.Str(d.Json["spec"]?["template"]?["metadata"]?["labels"]?[p.Key]) == GitOpsTree.Str(p.Value)))
            .ToList();
        if (targets.Count == 0) { yield return $"{s}: selector matches no Deployment's pod labels in namespace {s.Namespace}"; yield break; }
        foreach (var p in ports)
        {
            if (p?["port"] is not JsonValue v || !v.TryGetValue<long>(out var n) || n is < 1 or > 65535) yield return $"{s}: port without a port number in 1..65535";
            if (GitOpsTree.Str(p?["targetPort"]) is { } named
                && !targets.Any(d => (d.Json["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? []).Any(c => (c?["ports"] as JsonArray ?? []).Any(cp => GitOpsTree.Str(cp?["name"]) == named))))
                yield return $"{s}: targetPort '{named}' is not a container port name of the selected pods";
        }
    }

    private static IEnumerable<string> CheckIngress(Manifest i, IReadOnlyList<Manifest> services)
    {
        var spec = i.Json["spec"];
        if (string.IsNullOrEmpty(GitOpsTree.Str(spec?["ingressClassName"]))) yield return $"{i}: no spec.ingressClassName";
        var rules = spec?["rules"] as JsonArray ?? [];
        if (rules.Count == 0) yield return $"{i}: no rules";
        var tlsHosts = (spec?["tls"] as JsonArray ?? []).SelectMany(t => t?["hosts"] as JsonArray ?? []).Select(GitOpsTree.Str).ToHashSet();
        foreach (var t in spec?["tls"] as JsonArray ?? [])
            if (string.IsNullOrEmpty(GitOpsTree.Str(t?["secretName"]))) yield return $"{i}: tls entry without secretName";
        foreach (var rule in rules)
        {
            var host = GitOpsTree.Str(rule?["host"]);
            if (host is not null && !tlsHosts.Contains(host)) yield return $"{i}: host {host} is not listed under spec.tls hosts";
            var paths = rule?["http"]?["paths"] as JsonArray ?? [];
            if (paths.Count == 0) yield return $"{i}: rule {host} has no http paths";
            foreach (var p in paths)
            {
                if (GitOpsTree.Str(p?["pathType"]) is not ("Exact" or "Prefix" or "ImplementationSpecific")) yield return $"{i}: {host} path without a valid pathType";
                var backend = p?["backend"]?["service"];
                var svc = services.FirstOrDefault(s => s.Namespace == i.Namespace && s.Name == GitOpsTree.Str(backend?["name"]));
                if (svc is null) { yield return $"{i}: {host} backend Service {GitOpsTree.Str(backend?["name"])} does not exist in namespace {i.Namespace}"; continue; }
                var portName = GitOpsTree.Str(backend?["port"]?["name"]);
                var ports = svc.Json["spec"]?["ports"] as JsonArray ?? [];
                if (portName is not null && !ports.Any(sp => GitOpsTree.Str(sp?["name"]) == portName)) yield return $"{i}: {host} backend port '{portName}' is not a port of Service {svc.Name}";
                if (portName is null && backend?["port"]?["number"] is null) yield return $"{i}: {host} backend without port";
            }
        }
        foreach (var host in tlsHosts.Where(h => !rules.Any(r => GitOpsTree.Str(r?["host"]) == h))) yield return $"{i}: tls host {host} has no rule";
    }

    private static IEnumerable<string> CheckPvc(Manifest p)
    {
        var spec = p.Json["spec"];
        var modes = (spec?["accessModes"] as JsonArray ?? []).Select(GitOpsTree.Str).ToList();
        if (modes.Count == 0 || modes.Any(m => m is not ("ReadWriteOnce" or "ReadOnlyMany" or "ReadWriteMany" or "ReadWriteOncePod"))) yield return $"{p}: accessModes missing or invalid";
        if (GitOpsTree.Str(spec?["resources"]?["requests"]?["storage"]) is not { } size || !Regex.IsMatch(size, @"^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$"))
            yield return $"{p}: resources.requests.storage is not a quantity";
    }
}
