using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HomeOps.Core.Validate.Schema;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.GitOps;

/// <summary>
/// Issue 3, acceptance 1: every manifest parses; custom resources validate against their CRD
/// schemas; built-in kinds use Kubernetes v1.31 API versions and only known fields.
/// </summary>
public class ManifestTests(GitOpsTree tree) : IClassFixture<GitOpsTree>
{
    /// <summary>
    /// API groups served by kube-apiserver v1.31 itself (not by a CRD). A manifest in any other
    /// group is a custom resource and needs a CRD schema. kustomize.config.k8s.io (kustomization.yaml)
    /// is kustomize's own config, never applied, and is left out of GitOpsTree.Manifests.
    /// </summary>
    private static readonly HashSet<string> BuiltInGroups =
    [
        "", "apps", "batch", "autoscaling", "policy", "networking.k8s.io", "rbac.authorization.k8s.io",
        "storage.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "node.k8s.io",
        "certificates.k8s.io", "events.k8s.io", "flowcontrol.apiserver.k8s.io", "admissionregistration.k8s.io",
        "apiextensions.k8s.io", "apiregistration.k8s.io", "authentication.k8s.io", "authorization.k8s.io",
        "resource.k8s.io", "storagemigration.k8s.io", "internal.apiserver.k8s.io",
    ];

    /// <summary>
    /// The API version each built-in kind is served at (GA) in Kubernetes v1.31, and the top-level
    /// fields its type has. A built-in kind missing here fails the test: add it deliberately.
    /// </summary>
    private static readonly Dictionary<string, (string ApiVersion, string[] Fields)> BuiltInKinds = new()
    {
        ["Namespace"] = ("v1", ["spec"]),
        ["ConfigMap"] = ("v1", ["data", "binaryData", "immutable"]),
        ["Secret"] = ("v1", ["data", "stringData", "type", "immutable"]),
        ["Service"] = ("v1", ["spec"]),
        ["ServiceAccount"] = ("v1", ["secrets", "imagePullSecrets", "automountServiceAccountToken"]),
        ["PersistentVolumeClaim"] = ("v1", ["spec"]),
        ["PersistentVolume"] = ("v1", ["spec"]),
        ["LimitRange"] = ("v1", ["spec"]),
        ["ResourceQuota"] = ("v1", ["spec"]),
        ["Deployment"] = ("apps/v1", ["spec"]),
        ["StatefulSet"] = ("apps/v1", ["spec"]),
        ["DaemonSet"] = ("apps/v1", ["spec"]),
        ["Job"] = ("batch/v1", ["spec"]),
        ["CronJob"] = ("batch/v1", ["spec"]),
        ["Ingress"] = ("networking.k8s.io/v1", ["spec"]),
        ["IngressClass"] = ("networking.k8s.io/v1", ["spec"]),
        ["NetworkPolicy"] = ("networking.k8s.io/v1", ["spec"]),
        ["PodDisruptionBudget"] = ("policy/v1", ["spec"]),
        ["HorizontalPodAutoscaler"] = ("autoscaling/v2", ["spec"]),
        ["Role"] = ("rbac.authorization.k8s.io/v1", ["rules"]),
        ["ClusterRole"] = ("rbac.authorization.k8s.io/v1", ["rules", "aggregationRule"]),
        ["RoleBinding"] = ("rbac.authorization.k8s.io/v1", ["subjects", "roleRef"]),
        ["ClusterRoleBinding"] = ("rbac.authorization.k8s.io/v1", ["subjects", "roleRef"]),
        ["StorageClass"] = ("storage.k8s.io/v1", ["provisioner", "parameters", "reclaimPolicy", "mountOptions", "allowVolumeExpansion", "volumeBindingMode", "allowedTopologies"]),
        ["PriorityClass"] = ("scheduling.k8s.io/v1", ["value", "globalDefault", "description", "preemptionPolicy"]),
    };

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
        var customResources = tree.Manifests.Where(m => !BuiltInGroups.Contains(m.Group)).ToList();
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

    [Fact]
    public void Built_in_kinds_use_a_Kubernetes_v1_31_api_version_and_known_top_level_fields()
    {
        var builtIns = tree.Manifests.Where(m => BuiltInGroups.Contains(m.Group)).ToList();
        Assert.Contains(builtIns, m => m.Kind == "Deployment");
        var problems = new List<string>();
        foreach (var m in builtIns)
        {
            if (!BuiltInKinds.TryGetValue(m.Kind, out var spec)) { problems.Add($"{m}: built-in kind {m.Kind} ({m.ApiVersion}) is not in the v1.31 allow-list"); continue; }
            if (m.ApiVersion != spec.ApiVersion) problems.Add($"{m}: apiVersion {m.ApiVersion}, Kubernetes v1.31 serves {m.Kind} as {spec.ApiVersion}");
            var unknown = m.Json.Select(p => p.Key).Except(["apiVersion", "kind", "metadata", .. spec.Fields]).ToList();
            problems.AddRange(unknown.Select(k => $"{m}: unknown top-level field '{k}'"));
            if (!ClusterScopedBuiltIns.Contains(m.Kind) && string.IsNullOrEmpty(m.Namespace)) problems.Add($"{m}: namespaced kind without metadata.namespace");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>
    /// kubectl cannot validate offline: `kubectl apply/create --dry-run=client` still needs an API
    /// server for discovery (REST mapping) and `--validate=strict` downloads /openapi/v2 from it, and no
    /// Kubernetes OpenAPI document ships with this repository or its schemas. So built-ins are checked
    /// here against hand-written field lists of the v1.31 types for the kinds the tree uses (Deployment,
    /// Service, Ingress, PersistentVolumeClaim, ConfigMap, Namespace): unknown fields at every level of
    /// those lists, types (object/array/string/int) of the walked fields, and the cross-references that matter.
    /// NOT checked: value formats beyond those below (quantities, durations), fields of volume sources,
    /// affinity, lifecycle and other subtrees left opaque in <see cref="BuiltInShapes"/>.
    /// </summary>
    [Fact]
    public void Built_in_objects_have_only_known_fields_and_consistent_references()
    {
        var problems = new List<string>();
        foreach (var m in tree.Manifests.Where(m => BuiltInShapes.Roots.ContainsKey(m.Kind)))
            BuiltInShapes.Check(m.Json, BuiltInShapes.Roots[m.Kind], m.Kind, problems, m.ToString());

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
    public void The_built_in_shape_check_rejects_unknown_fields_and_dangling_references()
    {
        // Negative control: a Deployment with a misspelled container field and a probe on an undeclared port.
        var bad = (JsonObject)GitOpsTree.ParseYamlText("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: x, namespace: x}
            spec:
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
            """, "bad.yaml").Single()!;
        var problems = new List<string>();
        var m = new Manifest("bad.yaml", 0, bad);
        BuiltInShapes.Check(bad, BuiltInShapes.Roots["Deployment"], "Deployment", problems, m.ToString());
        problems.AddRange(CheckDeployment(m));
        Assert.Contains(problems, p => p.Contains("imagePullPolicyy"));
        Assert.Contains(problems, p => p.Contains("port 'metrics'"));
        Assert.Contains(problems, p => p.Contains("selector"));
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

/// <summary>Field lists of the Kubernetes v1.31 types the tree uses (k8s.io/api v0.31), for an offline strict check.</summary>
internal static class BuiltInShapes
{
    /// <summary>type name → field → child type ("[]X" = list of X, "" = opaque/scalar).</summary>
    private static readonly Dictionary<string, Dictionary<string, string>> Types = new()
    {
        ["Deployment"] = F("apiVersion", "kind", "metadata", "spec:DeploymentSpec"),
        ["Service"] = F("apiVersion", "kind", "metadata", "spec:ServiceSpec"),
        ["Ingress"] = F("apiVersion", "kind", "metadata", "spec:IngressSpec"),
        ["PersistentVolumeClaim"] = F("apiVersion", "kind", "metadata", "spec:PvcSpec"),
        ["ConfigMap"] = F("apiVersion", "kind", "metadata", "data:StringMap", "binaryData:StringMap", "immutable"),
        ["Namespace"] = F("apiVersion", "kind", "metadata", "spec:NamespaceSpec"),
        ["NamespaceSpec"] = F("finalizers"),
        ["StringMap"] = [],
        ["DeploymentSpec"] = F("replicas", "selector:LabelSelector", "template:PodTemplateSpec", "strategy:DeploymentStrategy", "minReadySeconds", "revisionHistoryLimit", "paused", "progressDeadlineSeconds"),
        ["DeploymentStrategy"] = F("type", "rollingUpdate"),
        ["LabelSelector"] = F("matchLabels", "matchExpressions"),
        ["PodTemplateSpec"] = F("metadata", "spec:PodSpec"),
        ["PodSpec"] = F("volumes:[]Volume", "initContainers:[]Container", "containers:[]Container", "ephemeralContainers", "restartPolicy",
            "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector", "serviceAccountName", "serviceAccount",
            "automountServiceAccountToken", "nodeName", "hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace", "securityContext:PodSecurityContext",
            "imagePullSecrets", "hostname", "subdomain", "affinity", "schedulerName", "tolerations", "hostAliases", "priorityClassName", "priority",
            "dnsConfig", "readinessGates", "runtimeClassName", "enableServiceLinks", "preemptionPolicy", "overhead",
            "topologySpreadConstraints:[]TopologySpreadConstraint", "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates", "resourceClaims"),
        ["TopologySpreadConstraint"] = F("maxSkew", "topologyKey", "whenUnsatisfiable", "labelSelector:LabelSelector", "minDomains", "nodeAffinityPolicy", "nodeTaintsPolicy", "matchLabelKeys"),
        ["PodSecurityContext"] = F("seLinuxOptions", "windowsOptions", "runAsUser", "runAsGroup", "runAsNonRoot", "supplementalGroups", "supplementalGroupsPolicy",
            "fsGroup", "sysctls", "fsGroupChangePolicy", "seccompProfile:SeccompProfile", "appArmorProfile"),
        ["SeccompProfile"] = F("type", "localhostProfile"),
        ["Container"] = F("name", "image", "command", "args", "workingDir", "ports:[]ContainerPort", "envFrom", "env:[]EnvVar", "resources:Resources",
            "resizePolicy", "restartPolicy", "volumeMounts:[]VolumeMount", "volumeDevices", "livenessProbe:Probe", "readinessProbe:Probe", "startupProbe:Probe",
            "lifecycle", "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy", "securityContext:SecurityContext", "stdin", "stdinOnce", "tty"),
        ["ContainerPort"] = F("name", "hostPort", "containerPort", "protocol", "hostIP"),
        ["EnvVar"] = F("name", "value", "valueFrom:EnvVarSource"),
        ["EnvVarSource"] = F("fieldRef", "resourceFieldRef", "configMapKeyRef:KeyRef", "secretKeyRef:KeyRef"),
        ["KeyRef"] = F("name", "key", "optional"),
        ["Resources"] = F("limits", "requests", "claims"),
        ["VolumeMount"] = F("name", "readOnly", "recursiveReadOnly", "mountPath", "subPath", "mountPropagation", "subPathExpr"),
        ["Probe"] = F("exec", "httpGet:HttpGet", "tcpSocket", "grpc", "initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold", "terminationGracePeriodSeconds"),
        ["HttpGet"] = F("path", "port", "host", "scheme", "httpHeaders"),
        ["SecurityContext"] = F("capabilities:Capabilities", "privileged", "seLinuxOptions", "windowsOptions", "runAsUser", "runAsGroup", "runAsNonRoot",
            "readOnlyRootFilesystem", "allowPrivilegeEscalation", "procMount", "seccompProfile:SeccompProfile", "appArmorProfile"),
        ["Capabilities"] = F("add", "drop"),
        ["Volume"] = F("name", "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "secret:SecretVolume", "nfs", "iscsi", "glusterfs",
            "persistentVolumeClaim:PvcVolume", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap:ConfigMapVolume",
            "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image"),
        ["SecretVolume"] = F("secretName", "items", "defaultMode", "optional"),
        ["ConfigMapVolume"] = F("name", "items", "defaultMode", "optional"),
        ["PvcVolume"] = F("claimName", "readOnly"),
        ["ServiceSpec"] = F("ports:[]ServicePort", "selector", "clusterIP", "clusterIPs", "type", "externalIPs", "sessionAffinity", "loadBalancerIP",
            "loadBalancerSourceRanges", "externalName", "externalTrafficPolicy", "healthCheckNodePort", "publishNotReadyAddresses", "sessionAffinityConfig",
            "ipFamilies", "ipFamilyPolicy", "allocateLoadBalancerNodePorts", "loadBalancerClass", "internalTrafficPolicy", "trafficDistribution"),
        ["ServicePort"] = F("name", "protocol", "appProtocol", "port", "targetPort", "nodePort"),
        ["IngressSpec"] = F("ingressClassName", "defaultBackend:IngressBackend", "tls:[]IngressTLS", "rules:[]IngressRule"),
        ["IngressTLS"] = F("hosts", "secretName"),
        ["IngressRule"] = F("host", "http:HttpIngressRule"),
        ["HttpIngressRule"] = F("paths:[]HttpIngressPath"),
        ["HttpIngressPath"] = F("path", "pathType", "backend:IngressBackend"),
        ["IngressBackend"] = F("service:IngressServiceBackend", "resource"),
        ["IngressServiceBackend"] = F("name", "port:ServiceBackendPort"),
        ["ServiceBackendPort"] = F("name", "number"),
        ["PvcSpec"] = F("accessModes", "selector:LabelSelector", "resources:Resources", "volumeName", "storageClassName", "volumeMode", "dataSource", "dataSourceRef", "volumeAttributesClassName"),
    };

    public static readonly Dictionary<string, Dictionary<string, string>> Roots =
        new[] { "Deployment", "Service", "Ingress", "PersistentVolumeClaim", "ConfigMap", "Namespace" }.ToDictionary(k => k, k => Types[k]);

    private static Dictionary<string, string> F(params string[] fields) =>
        fields.ToDictionary(f => f.Split(':')[0], f => f.Contains(':') ? f.Split(':')[1] : "");

    public static void Check(JsonNode? node, Dictionary<string, string> type, string typeName, List<string> problems, string where, string path = "")
    {
        if (node is not JsonObject obj) { problems.Add($"{where}: {path.TrimStart('.')} should be an object ({typeName})"); return; }
        foreach (var (key, value) in obj)
        {
            if (typeName == "StringMap")
            {
                if (GitOpsTree.Str(value) is null) problems.Add($"{where}: {path}.{key} should be a string");
                continue;
            }
            if (!type.TryGetValue(key, out var child)) { problems.Add($"{where}: unknown field {path.TrimStart('.')}.{key} ({typeName} has no such field)".Replace(": .", ": ")); continue; }
            if (child.Length == 0) continue;
            if (child.StartsWith("[]", StringComparison.Ordinal))
            {
                if (value is not JsonArray list) { problems.Add($"{where}: {path}.{key} should be a list"); continue; }
                for (var i = 0; i < list.Count; i++) Check(list[i], Types[child[2..]], child[2..], problems, where, $"{path}.{key}[{i}]");
            }
            else Check(value, Types[child], child, problems, where, $"{path}.{key}");
        }
    }
}
