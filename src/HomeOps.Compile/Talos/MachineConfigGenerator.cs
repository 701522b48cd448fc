using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using HomeOps.Compile.Secrets;
using HomeOps.Compile.Talhelper;
using HomeOps.Compile.Talhelper.Templates;
using HomeOps.Compile.Talos.Lines;
using HomeOps.Model;
using HomeOps.Model.Talhelper;

namespace HomeOps.Compile.Talos;

/// <summary>
/// One node's Talos machine config before patches, as talhelper builds it (budimanjojo/talhelper v3.1.16):
/// <list type="number">
/// <item>what `talosctl gen config` writes for the node's Talos line: the line file's template (Talos/Lines/vX.Y.yaml);</item>
/// <item>talhelper's node settings (pkg/talos/nodeconfig.go GenerateNodeConfig/applyNodeOverride), switched by the line's
/// contract gates, then the installer image and the Go templates in nodeLabels/nodeAnnotations;</item>
/// <item>cniConfig and inlineManifests (pkg/generate/config.go);</item>
/// <item>the extra documents (pkg/talos/multidocs.go), merged by kind and name as talhelper's strategic-merge patch does.</item>
/// </list>
/// Pure: files named with @ come through the <see cref="ContentFiles"/> the caller built.
/// </summary>
public static class MachineConfigGenerator
{
    internal static readonly JsonSerializerOptions TalosJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static List<JsonObject> Generate(TalosPlan plan, ResolvedNode node, SecretsBundle secrets, string installerImage, ContentFiles files, FindingBag findings)
    {
        var config = plan.Config;
        var line = plan.Line;
        var s = node.Settings;
        var multidocNetwork = line.Gate("MultidocNetworkConfigSupported");
        var template = node.ControlPlane ? line.ControlPlane : line.Worker;
        var v1alpha1 = (JsonObject)LineTemplate.Fill(template, Values(plan, secrets, installerImage))!;
        var machine = (JsonObject)v1alpha1["machine"]!;
        var cluster = (JsonObject)v1alpha1["cluster"]!;

        // talhelper issue #81: a bundle from talosctl < 1.3 carries an AES-CBC key, kept until Kubernetes config becomes documents
        if (secrets.AescbcEncryptionSecret is { Length: > 0 } aescbc && line.Gate("SecretboxEncryptionSupported") && !line.Gate("MultidocKubernetesConfigSupported"))
            cluster["aescbcEncryptionSecret"] = aescbc;

        if (!multidocNetwork)
        {
            var network = machine["network"] as JsonObject ?? (JsonObject)(machine["network"] = new JsonObject());
            if (node.Node.IgnoreHostname != true) network["hostname"] = node.Hostname;
            if (s.Nameservers is { Count: > 0 } nameservers) network["nameservers"] = Strings(nameservers);
            if (s.DisableSearchDomain == true) network["disableSearchDomain"] = true;
            if (s.NetworkInterfaces is { Count: > 0 } interfaces) network["interfaces"] = Serialize(interfaces);
        }

        // applyNodeOverride
        var install = (JsonObject)machine["install"]!;
        if (node.Node.InstallDisk is { Length: > 0 } disk) install["disk"] = disk;
        if (node.Node.InstallDiskSelector is { } selector) install["diskSelector"] = Serialize(selector);
        if (s.MachineDisks is { Count: > 0 } disks) machine["disks"] = new JsonArray(disks.Select(d => d.DeepClone()).ToArray());
        if (s.KernelModules is { Count: > 0 } modules) machine["kernel"] = new JsonObject { ["modules"] = Serialize(modules) };
        // non-template entries now, template ones once the config is complete (talhelper templateConfig); either way the map
        // replaces the generated one, so nodeLabels drops Talos' exclude-from-external-load-balancers label
        if (s.NodeAnnotations is { } annotations) machine["nodeAnnotations"] = Plain(annotations);
        if (s.NodeLabels is { } labels) machine["nodeLabels"] = Plain(labels);
        if (s.NodeTaints is { } taints) machine["nodeTaints"] = Serialize(taints);
        if (s.MachineFiles is { Count: > 0 } machineFiles) machine["files"] = new JsonArray(machineFiles.Select(f => (JsonNode?)File(f, files, findings)).ToArray());
        if (s.Schematic?.Customization?.ExtraKernelArgs is { Count: > 0 } args && s.MachineSpec?.UseUKI != true && !line.Gate("GrubUseUKICmdlineDefault"))
        {
            var existing = install["extraKernelArgs"] as JsonArray ?? [];
            install["extraKernelArgs"] = new JsonArray([.. existing.Select(a => a?.DeepClone()), .. args.Select(a => (JsonNode?)a)]);
        }
        if (s.CertSANs is { Count: > 0 } sans)
            machine["certSANs"] = new JsonArray([.. (machine["certSANs"] as JsonArray ?? []).Select(a => a?.DeepClone()), .. sans.Select(a => (JsonNode?)a)]);
        install["image"] = installerImage;
        RenderTemplates(v1alpha1, s, findings, node);

        // pkg/generate/config.go
        if (config.CniConfig is { } cni)
        {
            if (line.Gate("MultidocKubernetesConfigSupported"))
                findings.Add(Finding.Error("talos/config", cni.Location, $"cniConfig for Talos {line.Name} (KubeFlannelCNIConfig documents) is not supported by this homeops",
                    "use a line up to v1.13"));
            else cluster["network"]!["cni"] = Serialize(cni);
        }
        if (config.InlineManifests is { Count: > 0 } manifests)
            cluster["inlineManifests"] = new JsonArray(manifests.Select(m => (JsonNode?)new JsonObject
            {
                ["name"] = m.Name,
                ["contents"] = files.Content(m.Contents, m.SkipEnvsubst != true, m.LocationOf("contents"), findings),
            }).ToArray());

        var documents = new List<JsonObject> { v1alpha1 };
        documents.AddRange(line.Documents.Select(d => (JsonObject)d.DeepClone()));
        foreach (var document in ExtraDocuments(node, line, findings)) LegacyFields.Merge(documents, document);
        return documents;
    }

    /// <summary>The values the line templates' ${...} placeholders take.</summary>
    private static Dictionary<string, JsonNode?> Values(TalosPlan plan, SecretsBundle secrets, string installerImage)
    {
        var config = plan.Config;
        var endpointHost = Uri.TryCreate(config.Endpoint, UriKind.Absolute, out var uri) ? uri.Host.Trim('[', ']') : config.Endpoint;
        var apiServerSans = new List<string>();
        if (plan.Line.Gate("PopulateClusterSANsFromEndpoint")) apiServerSans.Add(endpointHost);
        apiServerSans.AddRange(config.AdditionalApiServerCertSans ?? []);
        var pods = config.ClusterPodNets is { Count: > 0 } p ? p : ["10.244.0.0/16"];
        var services = config.ClusterSvcNets is { Count: > 0 } v ? v : ["10.96.0.0/12"];
        return new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["kubernetes"] = $"{plan.Kubernetes.Major}.{plan.Kubernetes.Minor}.{plan.Kubernetes.Patch}{(plan.Kubernetes.PreRelease is { } pre ? "-" + pre : "")}",
            ["installImage"] = installerImage,
            ["installDisk"] = null, // talhelper passes no install disk to generate; the node's installDisk is set afterwards
            ["machineCertSANs"] = Strings(config.AdditionalMachineCertSans ?? []),
            ["apiServerCertSANs"] = apiServerSans.Count > 0 ? Strings(apiServerSans) : null,
            ["endpoint"] = config.Endpoint,
            ["clusterName"] = config.ClusterName,
            ["dnsDomain"] = config.Domain is { Length: > 0 } domain ? domain : "cluster.local",
            ["podSubnets"] = Strings(pods),
            ["serviceSubnets"] = Strings(services),
            ["allowSchedulingOnControlPlanes"] = config.AllowSchedulingOnControlPlanes == true || config.AllowSchedulingOnMasters == true ? true : null,
            ["secrets.trustdToken"] = secrets.TrustdToken,
            ["secrets.os.crt"] = SecretsBundle.B64(secrets.Os.CertificatePem),
            ["secrets.os.key"] = SecretsBundle.B64(secrets.Os.KeyPem),
            ["secrets.clusterId"] = secrets.ClusterId,
            ["secrets.clusterSecret"] = secrets.ClusterSecret,
            ["secrets.bootstrapToken"] = secrets.BootstrapToken,
            ["secrets.secretboxEncryptionSecret"] = secrets.SecretboxEncryptionSecret,
            ["secrets.k8s.crt"] = SecretsBundle.B64(secrets.Kubernetes.CertificatePem),
            ["secrets.k8s.key"] = SecretsBundle.B64(secrets.Kubernetes.KeyPem),
            ["secrets.aggregator.crt"] = SecretsBundle.B64(secrets.Aggregator.CertificatePem),
            ["secrets.aggregator.key"] = SecretsBundle.B64(secrets.Aggregator.KeyPem),
            ["secrets.serviceAccount.key"] = SecretsBundle.B64(secrets.ServiceAccountKeyPem),
            ["secrets.etcd.crt"] = SecretsBundle.B64(secrets.Etcd.CertificatePem),
            ["secrets.etcd.key"] = SecretsBundle.B64(secrets.Etcd.KeyPem),
        };
    }

    /// <summary>nodeLabels/nodeAnnotations values with {{ }} rendered against the config so far (talhelper templateConfig).</summary>
    private static void RenderTemplates(JsonObject v1alpha1, NodeConfigs s, FindingBag findings, ResolvedNode node)
    {
        var snapshot = (JsonObject)v1alpha1.DeepClone();
        foreach (var (key, values, where) in new[] { ("nodeLabels", s.NodeLabels, "nodeLabels"), ("nodeAnnotations", s.NodeAnnotations, "nodeAnnotations") })
        {
            if (values is null) continue;
            var target = (JsonObject)v1alpha1["machine"]![key]!;
            foreach (var (name, text) in values.Where(p => GoTemplate.IsTemplate(p.Value)))
            {
                try { target[name] = GoTemplate.Render($"{where}.{name}", text, ConfigTemplateData.Of(snapshot)); }
                catch (TemplateException e)
                {
                    findings.Add(Finding.Error("talos/template", s.LocationOf(key), $"{node.Hostname}: {e.Message}",
                        "templates see the v1alpha1 config by Go field name, e.g. {{ .MachineConfig.MachineInstall.InstallImage }}"));
                }
            }
        }
    }

    /// <summary>A machine file with its @file content read, and its mode as Go reads the integer (0600 is octal).</summary>
    private static JsonObject File(MachineFile file, ContentFiles files, FindingBag findings)
    {
        var result = new JsonObject
        {
            ["content"] = files.Content(file.Content, file.SkipEnvsubst != true, file.LocationOf("content"), findings),
            ["permissions"] = GoIntegers.ReadFileMode(file.Permissions, file.LocationOf("permissions"), findings),
            ["path"] = file.Path,
            ["op"] = file.Op,
        };
        return result;
    }

    /// <summary>
    /// The documents talhelper adds to every node (genMultiDocs), in its order: ResolverConfig and HostnameConfig (multi-document
    /// network lines only), the ingress firewall, extension services, volumes, user volumes, then the network documents.
    /// </summary>
    private static IEnumerable<JsonObject> ExtraDocuments(ResolvedNode node, TalosLine line, FindingBag findings)
    {
        var s = node.Settings;
        var multidoc = line.Gate("MultidocNetworkConfigSupported");
        if (multidoc && (s.Nameservers is { Count: > 0 } || s.DisableSearchDomain == true))
        {
            var resolver = Document("ResolverConfig", null);
            resolver["nameservers"] = new JsonArray((s.Nameservers ?? []).Select(n => (JsonNode?)new JsonObject { ["address"] = n }).ToArray());
            resolver["searchDomains"] = new JsonObject { ["disableDefault"] = s.DisableSearchDomain == true };
            yield return resolver;
        }
        if (multidoc)
        {
            var hostname = Document("HostnameConfig", null);
            if (node.Node.IgnoreHostname == true) hostname["auto"] = "stable";
            else
            {
                hostname["auto"] = "off";
                hostname["hostname"] = node.Hostname;
            }
            yield return hostname;
        }
        if (s.IngressFirewall is { } firewall)
        {
            var action = Document("NetworkDefaultActionConfig", null);
            action["ingress"] = firewall.DefaultAction ?? "block";
            yield return action;
            foreach (var rule in firewall.Rules ?? [])
            {
                var document = Document("NetworkRuleConfig", rule.Name);
                document["portSelector"] = new JsonObject
                {
                    ["ports"] = new JsonArray(rule.PortSelector.Ports.Select(Port).ToArray()),
                    ["protocol"] = rule.PortSelector.Protocol,
                };
                document["ingress"] = new JsonArray((rule.Ingress ?? []).Select(i => (JsonNode?)(i.Except is { Length: > 0 } except
                    ? new JsonObject { ["subnet"] = i.Subnet, ["except"] = except }
                    : new JsonObject { ["subnet"] = i.Subnet })).ToArray());
                yield return document;
            }
        }
        foreach (var service in s.ExtensionServices ?? [])
        {
            var document = Document("ExtensionServiceConfig", service.Name);
            if (service.ConfigFiles is { Count: > 0 } configFiles) document["configFiles"] = Serialize(configFiles);
            if (service.Environment is { Count: > 0 } environment) document["environment"] = Strings(environment);
            yield return document;
        }
        foreach (var volume in s.Volumes ?? [])
        {
            var document = Document("VolumeConfig", volume.Name);
            if (volume.Provisioning is { } provisioning && NotEmpty(Serialize(provisioning)) is { } p) document["provisioning"] = p;
            if (NotEmpty(volume.Encryption) is { } e) document["encryption"] = e;
            yield return document;
        }
        foreach (var volume in s.UserVolumes ?? [])
        {
            var document = Document("UserVolumeConfig", volume.Name);
            if (volume.VolumeType is { Length: > 0 } type) document["volumeType"] = type;
            if (volume.Provisioning is { } provisioning && NotEmpty(Serialize(provisioning)) is { } p) document["provisioning"] = p;
            if (NotEmpty(volume.Filesystem) is { } f) document["filesystem"] = f;
            if (NotEmpty(volume.Encryption) is { } e) document["encryption"] = e;
            yield return document;
        }
        if (multidoc && s.NetworkInterfaces is { Count: > 0 } interfaces)
        {
            var problems = new List<string>();
            foreach (var document in NetworkDocuments.Translate(Serialize(interfaces).AsArray(), problems)) yield return document;
            foreach (var problem in problems)
                findings.Add(Finding.Warning("talos/network", s.LocationOf("networkInterfaces"), $"{node.Hostname}: {problem}",
                    $"Talos {line.Name} takes network settings as documents; express this one as a patch with the document Talos documents for it"));
        }
    }

    /// <summary>A port is a number or "from-to" (Talos network.PortRange); numbers stay numbers.</summary>
    private static JsonNode? Port(string port) => long.TryParse(port, out var n) ? JsonValue.Create(n) : JsonValue.Create(port);

    private static JsonNode? NotEmpty(JsonNode? node) => node is null or JsonObject { Count: 0 } ? null : node.DeepClone();

    internal static JsonObject Document(string kind, string? name)
    {
        var document = new JsonObject { ["apiVersion"] = "v1alpha1", ["kind"] = kind };
        if (name is not null) document["name"] = name;
        return document;
    }

    private static JsonObject Plain(Dictionary<string, string> map) =>
        new(map.Where(p => !GoTemplate.IsTemplate(p.Value)).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));

    internal static JsonNode Serialize(object value) => JsonSerializer.SerializeToNode(value, value.GetType(), TalosJson)!;

    internal static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
}
