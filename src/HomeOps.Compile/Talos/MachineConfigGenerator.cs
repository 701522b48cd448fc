using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using HomeOps.Compile.Secrets;
using HomeOps.Compile.Talhelper;
using HomeOps.Model;
using HomeOps.Model.Talhelper;

namespace HomeOps.Compile.Talos;


/// <summary>
/// Builds one node's Talos machine config the way `talosctl gen config` does for the v1.10
/// contract (pkg/machinery/config/generate), then layers talhelper's per-node settings on top.
/// Field order follows Talos' Go structs so the output diffs cleanly against talosctl's.
/// Pure: all inputs come in, documents come out; patches are applied afterwards.
/// </summary>
public static class MachineConfigGenerator
{
    private static readonly JsonSerializerOptions TalosJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static JsonObject Generate(TalConfig config, ResolvedNode node, SecretsBundle secrets, ReleaseVersion kubernetes, string installerImage)
    {
        var controlPlane = node.ControlPlane;
        return new JsonObject
        {
            ["version"] = "v1alpha1",
            ["debug"] = false,
            ["machine"] = Machine(config, node, secrets, kubernetes, installerImage),
            ["cluster"] = controlPlane ? ControlPlaneCluster(config, secrets, kubernetes) : WorkerCluster(config, secrets),
        };
    }

    private static JsonObject Machine(TalConfig config, ResolvedNode node, SecretsBundle secrets, ReleaseVersion kubernetes, string installerImage)
    {
        var s = node.Settings;
        var machine = new JsonObject
        {
            ["type"] = node.ControlPlane ? "controlplane" : "worker",
            ["token"] = secrets.TrustdToken,
            ["ca"] = node.ControlPlane
                ? SecretsBundle.Pair(secrets.Os)
                : new JsonObject { ["crt"] = SecretsBundle.B64(secrets.Os.CertificatePem), ["key"] = "" },
            ["certSANs"] = Strings([.. config.AdditionalMachineCertSans ?? [], .. s.CertSANs ?? []]),
            ["kubelet"] = new JsonObject
            {
                ["image"] = $"ghcr.io/siderolabs/kubelet:{kubernetes}",
                ["defaultRuntimeSeccompProfileEnabled"] = true,
                ["disableManifestsDirectory"] = true,
            },
            ["network"] = Network(node),
            ["install"] = Install(s, installerImage),
        };
        if (s.MachineFiles is { Count: > 0 } files) machine["files"] = new JsonArray(files.Select(f => f.DeepClone()).ToArray());
        if (s.SystemDiskEncryption is { } encryption) machine["systemDiskEncryption"] = Serialize(encryption);
        machine["features"] = new JsonObject
        {
            ["rbac"] = true,
            ["stableHostname"] = true,
            ["apidCheckExtKeyUsage"] = true,
            ["diskQuotaSupport"] = true,
            ["kubePrism"] = new JsonObject { ["enabled"] = true, ["port"] = 7445 },
            ["hostDNS"] = new JsonObject { ["enabled"] = true, ["forwardKubeDNSToHost"] = true },
        };
        if (s.KernelModules is { Count: > 0 } modules) machine["kernel"] = new JsonObject { ["modules"] = Serialize(modules) };
        // talhelper replaces the default label map when nodeLabels is given (so an all-control-plane
        // cluster can drop exclude-from-external-load-balancers); we keep that behaviour.
        machine["nodeLabels"] = s.NodeLabels is { } labels
            ? Serialize(labels)
            : node.ControlPlane ? new JsonObject { ["node.kubernetes.io/exclude-from-external-load-balancers"] = "" } : null;
        if (machine["nodeLabels"] is null) machine.Remove("nodeLabels");
        if (s.NodeAnnotations is { } annotations) machine["nodeAnnotations"] = Serialize(annotations);
        if (s.NodeTaints is { } taints) machine["nodeTaints"] = Serialize(taints);
        return machine;
    }

    private static JsonObject Network(ResolvedNode node)
    {
        var s = node.Settings;
        var network = new JsonObject();
        if (node.Node.IgnoreHostname != true) network["hostname"] = node.Hostname;
        if (s.NetworkInterfaces is { Count: > 0 } interfaces) network["interfaces"] = Serialize(interfaces);
        if (s.Nameservers is { Count: > 0 } nameservers) network["nameservers"] = Strings(nameservers);
        if (s.DisableSearchDomain is { } disable) network["disableSearchDomain"] = disable;
        return network;
    }

    private static JsonObject Install(NodeSettings s, string installerImage)
    {
        var install = new JsonObject();
        if (s.InstallDisk is { } disk) install["disk"] = disk;
        if (s.InstallDiskSelector is { } selector) install["diskSelector"] = Serialize(selector);
        if (s.Schematic?.Customization?.ExtraKernelArgs is { Count: > 0 } args) install["extraKernelArgs"] = Strings(args);
        install["image"] = installerImage;
        install["wipe"] = false;
        return install;
    }

    private static JsonObject ControlPlaneCluster(TalConfig config, SecretsBundle secrets, ReleaseVersion kubernetes)
    {
        var cluster = ClusterIdentity(config, secrets);
        cluster["secretboxEncryptionSecret"] = secrets.SecretboxEncryptionSecret;
        cluster["ca"] = SecretsBundle.Pair(secrets.Kubernetes);
        cluster["aggregatorCA"] = SecretsBundle.Pair(secrets.Aggregator);
        cluster["serviceAccount"] = new JsonObject { ["key"] = SecretsBundle.B64(secrets.ServiceAccountKeyPem) };
        cluster["apiServer"] = new JsonObject
        {
            ["image"] = $"registry.k8s.io/kube-apiserver:{kubernetes}",
            ["certSANs"] = Strings([EndpointHost(config.Endpoint), .. config.AdditionalApiServerCertSans ?? []]),
            ["disablePodSecurityPolicy"] = true,
            ["admissionControl"] = new JsonArray(PodSecurityAdmission()),
            ["auditPolicy"] = new JsonObject
            {
                ["apiVersion"] = "audit.k8s.io/v1",
                ["kind"] = "Policy",
                ["rules"] = new JsonArray(new JsonObject { ["level"] = "Metadata" }),
            },
        };
        cluster["controllerManager"] = new JsonObject { ["image"] = $"registry.k8s.io/kube-controller-manager:{kubernetes}" };
        cluster["proxy"] = new JsonObject { ["image"] = $"registry.k8s.io/kube-proxy:{kubernetes}" };
        cluster["scheduler"] = new JsonObject { ["image"] = $"registry.k8s.io/kube-scheduler:{kubernetes}" };
        cluster["discovery"] = Discovery();
        cluster["etcd"] = new JsonObject { ["ca"] = SecretsBundle.Pair(secrets.Etcd) };
        if ((config.AllowSchedulingOnControlPlanes ?? config.AllowSchedulingOnMasters) == true)
            cluster["allowSchedulingOnControlPlanes"] = true;
        return cluster;
    }

    private static JsonObject WorkerCluster(TalConfig config, SecretsBundle secrets)
    {
        var cluster = ClusterIdentity(config, secrets);
        cluster["ca"] = new JsonObject { ["crt"] = SecretsBundle.B64(secrets.Kubernetes.CertificatePem), ["key"] = "" };
        cluster["discovery"] = Discovery();
        return cluster;
    }

    private static JsonObject ClusterIdentity(TalConfig config, SecretsBundle secrets)
    {
        var network = new JsonObject();
        if (config.CniConfig is { } cni) network["cni"] = Serialize(cni);
        network["dnsDomain"] = config.Domain ?? "cluster.local";
        network["podSubnets"] = Strings(config.ClusterPodNets is { Count: > 0 } pods ? pods : ["10.244.0.0/16"]);
        network["serviceSubnets"] = Strings(config.ClusterSvcNets is { Count: > 0 } svcs ? svcs : ["10.96.0.0/12"]);
        return new JsonObject
        {
            ["id"] = secrets.ClusterId,
            ["secret"] = secrets.ClusterSecret,
            ["controlPlane"] = new JsonObject { ["endpoint"] = config.Endpoint },
            ["clusterName"] = config.ClusterName,
            ["network"] = network,
            ["token"] = secrets.BootstrapToken,
        };
    }

    private static JsonObject Discovery() => new()
    {
        ["enabled"] = true,
        ["registries"] = new JsonObject
        {
            ["kubernetes"] = new JsonObject { ["disabled"] = true },
            ["service"] = new JsonObject(),
        },
    };

    /// <summary>Talos' PodSecurity defaults (init.go): enforce baseline, audit and warn restricted.</summary>
    private static JsonObject PodSecurityAdmission() => new()
    {
        ["name"] = "PodSecurity",
        ["configuration"] = new JsonObject
        {
            ["apiVersion"] = "pod-security.admission.config.k8s.io/v1alpha1",
            ["defaults"] = new JsonObject
            {
                ["audit"] = "restricted",
                ["audit-version"] = "latest",
                ["enforce"] = "baseline",
                ["enforce-version"] = "latest",
                ["warn"] = "restricted",
                ["warn-version"] = "latest",
            },
            ["exemptions"] = new JsonObject
            {
                ["namespaces"] = Strings(["kube-system"]),
                ["runtimeClasses"] = new JsonArray(),
                ["usernames"] = new JsonArray(),
            },
            ["kind"] = "PodSecurityConfiguration",
        },
    };

    /// <summary>The extra documents a node carries: one per user volume and extension service.</summary>
    public static IEnumerable<JsonObject> ExtraDocuments(NodeSettings settings)
    {
        foreach (var volume in settings.UserVolumes ?? [])
            yield return Document("UserVolumeConfig", volume);
        foreach (var service in settings.ExtensionServices ?? [])
            yield return Document("ExtensionServiceConfig", service);
        foreach (var volume in settings.Volumes ?? [])
            if (volume.DeepClone() is JsonObject raw)
            {
                var document = new JsonObject { ["apiVersion"] = "v1alpha1", ["kind"] = "VolumeConfig" };
                foreach (var (k, v) in raw) document[k] = v?.DeepClone();
                yield return document;
            }
    }

    private static JsonObject Document(string kind, object body)
    {
        var document = new JsonObject { ["apiVersion"] = "v1alpha1", ["kind"] = kind };
        foreach (var (key, value) in Serialize(body).AsObject()) document[key] = value?.DeepClone();
        return document;
    }

    public static string EndpointHost(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) ? uri.Host.Trim('[', ']') : endpoint;

    private static JsonNode Serialize(object value) => JsonSerializer.SerializeToNode(value, value.GetType(), TalosJson)!;

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
}
