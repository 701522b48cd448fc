using System.Text.Json.Nodes;
using HomeOps.Compile.Talos;
using HomeOps.Compile.Talos.Lines;
using HomeOps.Model;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Talos;

/// <summary>
/// The reference cluster, the second example (examples/storage-network) and a talconfig that uses every key of talhelper's
/// configuration reference (Fixtures/talhelper-keys), rendered for every Talos line homeops knows: no errors, no schema
/// error against ../shared/schemas/talos/&lt;line&gt;, and the reviewed golden output per node (Golden/&lt;config&gt;/&lt;line&gt;/).
/// The base of every golden file is the line's gen config output, which LineContractTests pins to Talos' own golden files;
/// what talhelper adds on top is asserted field by field below.
/// </summary>
public sealed class ClusterRenderTests
{
    public static readonly Dictionary<string, string> Configs = new()
    {
        ["reference"] = Repo.Root,
        ["storage-network"] = Path.Combine(Repo.Root, "examples", "storage-network"),
        ["talhelper-keys"] = Path.Combine(Repo.Root, "tests", "HomeOps.Tests", "Talos", "Fixtures", "talhelper-keys"),
    };

    public static TheoryData<string, string> ConfigsAndLines()
    {
        var data = new TheoryData<string, string>();
        foreach (var config in Configs.Keys)
            foreach (var line in TalosLines.All) data.Add(config, line.Name);
        return data;
    }

    private static TalosRendering.Result Render(string config, string line) =>
        TalosRendering.Run(Configs[config], talosVersion: TalosLines.All.Single(l => l.Name == line).SourceTag.ToString());

    [Theory]
    [MemberData(nameof(ConfigsAndLines))]
    public void Renders_without_errors_validates_against_the_lines_schema_and_matches_its_golden_files(string config, string line)
    {
        var result = Render(config, line);
        Assert.DoesNotContain(result.Findings, f => f.Severity == Severity.Error);
        Assert.True(result.SchemaErrors.Count == 0, string.Join("\n", result.SchemaErrors));
        Assert.Equal(line, result.Plan.Line.Name);
        foreach (var (host, yaml) in result.Files) Golden.Match($"{config}/{line}/{host}.yaml", yaml);
    }

    [Fact]
    public void The_second_example_is_the_cluster_the_issue_describes()
    {
        var result = TalosRendering.Run(Configs["storage-network"]);
        Assert.Empty(result.Findings);
        Assert.Empty(result.SchemaErrors);
        Assert.Equal("v1.11.5", result.Plan.Talos.ToString());
        Assert.Equal(["192.168.5.201", "192.168.5.202", "192.168.5.203"], result.Plan.Nodes.Select(n => n.Node.IpAddress));
        Assert.Equal("https://192.168.5.200:6443", result.Plan.Config.Endpoint);
        foreach (var node in result.Render.Nodes)
        {
            var machine = node.Documents[0]["machine"]!;
            var interfaces = machine["network"]!["interfaces"]!.AsArray();
            Assert.Equal("192.168.5.200", interfaces[0]!["vip"]!["ip"]!.GetValue<string>());
            var storage = interfaces[1]!;
            Assert.Equal(9000, storage["mtu"]!.GetValue<long>());
            Assert.StartsWith("10.10.10.", storage["addresses"]![0]!.GetValue<string>());
            Assert.EndsWith("/24", storage["addresses"]![0]!.GetValue<string>());
            var sysctls = machine["sysctls"]!;
            Assert.Equal("bbr", sysctls["net.ipv4.tcp_congestion_control"]!.GetValue<string>());
            Assert.Equal("1048576", sysctls["fs.inotify.max_user_watches"]!.GetValue<string>());
            Assert.Equal("1024", sysctls["vm.nr_hugepages"]!.GetValue<string>());
            var modules = machine["kernel"]?["modules"]?.AsArray().Select(m => m!["name"]!.GetValue<string>()).ToList() ?? [];
            Assert.Equal(node.Node.Hostname == "talos-m01" ? ["nvidia", "nvidia_uvm", "nvidia_drm", "nvidia_modeset"] : [], modules);
        }
    }

    private static List<JsonObject> Node(TalosRendering.Result result, string host) =>
        result.Render.Nodes.Single(n => n.Node.Hostname == host).Documents.ToList();

    private static JsonObject Doc(List<JsonObject> documents, string kind, string? name = null) =>
        documents.Single(d => d["kind"]?.GetValue<string>() == kind && (name is null || d["name"]?.GetValue<string>() == name));

    private static string S(JsonNode? node) => node!.GetValue<string>();

    [Fact]
    public void Talhelpers_node_settings_render_as_talhelper_renders_them()
    {
        var result = Render("talhelper-keys", "v1.12");
        var cp = Node(result, "cp1.lab.example.net");
        var machine = cp[0]["machine"]!;

        // certSANs: additionalMachineCertSans, then the node's own (the group's are dropped: overrideMachineCertSANs)
        Assert.Equal(["10.20.0.10", "cp1.lab.example.net"], machine["certSANs"]!.AsArray().Select(S));
        // 1.12: no endpoint host among the API server SANs
        Assert.Equal(["keys.lab.example.net"], cp[0]["cluster"]!["apiServer"]!["certSANs"]!.AsArray().Select(S));
        // nodeLabels replace the group's (no "group" label) and the generated exclude-from-external-load-balancers;
        // the template entry is rendered against the config; the global patch file adds two more (templated, then substituted)
        Assert.Equal(new Dictionary<string, string> { ["cluster"] = "keys", ["domain"] = "lab.example.net", ["rack"] = "rack1a", ["secureboot"] = "true" },
            machine["nodeLabels"]!.AsObject().ToDictionary(p => p.Key, p => S(p.Value)));
        Assert.Equal(S(machine["install"]!["image"]), S(machine["nodeAnnotations"]!["installer"]));
        // secureboot + custom registry: the installer template with the node's mode and secureboot flag
        Assert.Equal($"factory.example.invalid/metal-installer-secureboot/{SchematicId.Of(result.Plan.Nodes[0].Settings.Schematic)}:v1.12.11", S(machine["install"]!["image"]));
        // 1.12 (grubUseUKICmdline) and useUKI: schematic kernel arguments are not copied to install.extraKernelArgs
        Assert.Null(machine["install"]!["extraKernelArgs"]);
        Assert.True(machine["install"]!["grubUseUKICmdline"]!.GetValue<bool>());
        // machine files: 0600 is octal, @file read, skipEnvsubst keeps ${...}
        var files = machine["files"]!.AsArray();
        Assert.Equal(Convert.ToInt64("600", 8), files[0]!["permissions"]!.GetValue<long>());
        Assert.Equal("TS_AUTHKEY=tskey-example-123456\n", S(files[0]!["content"]));
        Assert.Equal(Convert.ToInt64("644", 8), files[1]!["permissions"]!.GetValue<long>());
        Assert.Equal("Welcome to ${not-substituted}\n", S(files[1]!["content"]));
        Assert.Contains("permissions: 0o600", result.Render.Nodes[0].Yaml);
        // inline manifests on every node; @file contents with skipEnvsubst kept literally
        var manifests = cp[0]["cluster"]!["inlineManifests"]!.AsArray();
        Assert.Contains("name: keys-system", S(manifests[0]!["contents"]));
        Assert.Contains("${substituted}", S(manifests[1]!["contents"]));
        Assert.Equal("custom", S(cp[0]["cluster"]!["network"]!["cni"]!["name"]));

        // 1.12 multi-document network: hostname, resolver, firewall, volumes, then the network documents
        Assert.Equal(new JsonObject { ["apiVersion"] = "v1alpha1", ["kind"] = "HostnameConfig", ["auto"] = "off", ["hostname"] = "cp1.lab.example.net" }.ToJsonString(),
            Doc(cp, "HostnameConfig").ToJsonString());
        var resolver = Doc(cp, "ResolverConfig");
        Assert.Equal(["1.1.1.1", "2606:4700:4700::1111"], resolver["nameservers"]!.AsArray().Select(n => S(n!["address"])));
        Assert.True(resolver["searchDomains"]!["disableDefault"]!.GetValue<bool>());
        Assert.Equal("block", S(Doc(cp, "NetworkDefaultActionConfig")["ingress"]));
        Assert.Equal("[10250,\"50000-50001\"]", Doc(cp, "NetworkRuleConfig", "kubelet-ingress")["portSelector"]!["ports"]!.ToJsonString());
        Assert.Equal("glob(\"8086:15f3\", link.pciid) && link.type == 1", S(Doc(cp, "LinkAliasConfig", "ethSel0")["selector"]!["match"]));
        Assert.Equal("glob(\"00:50:56:*\", mac(link.hardware_addr)) && glob(\"e1000e\", link.driver)", S(Doc(cp, "LinkAliasConfig", "bond0-m0")["selector"]!["match"]));
        var bond = Doc(cp, "BondConfig", "bond0");
        Assert.Equal(["bond0-m0"], bond["links"]!.AsArray().Select(S));
        Assert.Equal(("802.3ad", "fast", "layer3+4", 100L), (S(bond["bondMode"]), S(bond["lacpRate"]), S(bond["xmitHashPolicy"]), bond["miimon"]!.GetValue<long>()));
        Assert.Equal("[{\"gateway\":\"10.20.0.1\"}]", bond["routes"]!.ToJsonString()); // a default route has no destination
        Assert.Equal("bond0", S(Doc(cp, "Layer2VIPConfig", "10.20.0.10")["link"]));
        var vlan = Doc(cp, "VLANConfig", "bond0.40");
        Assert.Equal((40L, "bond0", 1400L), (vlan["vlanID"]!.GetValue<long>(), S(vlan["parent"]), vlan["mtu"]!.GetValue<long>()));
        Assert.Equal(2048, Doc(cp, "DHCPv4Config", "ethSel0")["routeMetric"]!.GetValue<long>());
        Assert.Equal(2048, Doc(cp, "DHCPv6Config", "ethSel0")["routeMetric"]!.GetValue<long>());
        var wg = Doc(cp, "WireguardConfig", "wg0");
        Assert.Equal(("6NtibgkNWGSLp7ud6NgZr9k3kNhlQiaJCVW6vN+j9UY=", 51820L, "10.30.0.1:51820", "25s"),
            (S(wg["privateKey"]), wg["listenPort"]!.GetValue<long>(), S(wg["peers"]![0]!["endpoint"]), S(wg["peers"]![0]!["persistentKeepaliveInterval"])));
        Assert.Equal(["eth3"], Doc(cp, "BridgeConfig", "br0")["links"]!.AsArray().Select(S));
        // patches: the inline UserVolumeConfig of the top-level patches is added; extraManifests come last
        Assert.Equal("disk.transport == \"sata\"", S(Doc(cp, "UserVolumeConfig", "scratch")["provisioning"]!["diskSelector"]!["match"]));
        Assert.Equal("WatchdogTimerConfig", S(cp[^1]["kind"]));
        Assert.Equal("talos/clusterconfig/keys-controlplane-cp1.lab.example.net.yaml", result.Render.Nodes[0].Path);

        var worker = Node(result, "worker1");
        var w = worker[0]["machine"]!;
        // talosImageURL wins over the group's schematic; ignoreHostname: auto: stable
        Assert.Equal("registry.example.invalid/talos/installer:v1.12.11", S(w["install"]!["image"]));
        Assert.Equal("stable", S(Doc(worker, "HostnameConfig")["auto"]));
        Assert.Null(Doc(worker, "HostnameConfig")["hostname"]);
        // overridePatches with patches: [] drops the group's patch; only the top-level patches apply
        Assert.Null(w["kubelet"]!["extraArgs"]);
        Assert.Equal("error", S(w["env"]!["GRPC_GO_LOG_SEVERITY_LEVEL"]));
        // the group's firewall applies; workers have no nodeLabels of Talos' own
        Assert.Equal("apid-ingress", S(Doc(worker, "NetworkRuleConfig")["name"]));
        Assert.Equal(["domain", "cluster"], w["nodeLabels"]!.AsObject().Select(p => p.Key).Order().Reverse());
    }

    [Fact]
    public void Before_1_12_the_same_settings_stay_in_the_v1alpha1_document()
    {
        var result = Render("talhelper-keys", "v1.11");
        var cp = Node(result, "cp1.lab.example.net");
        var network = cp[0]["machine"]!["network"]!;
        Assert.Equal("cp1.lab.example.net", S(network["hostname"]));
        Assert.Equal(["1.1.1.1", "2606:4700:4700::1111"], network["nameservers"]!.AsArray().Select(S));
        Assert.True(network["disableSearchDomain"]!.GetValue<bool>());
        Assert.Equal(["bond0", "wg0", null, "br0"], network["interfaces"]!.AsArray().Select(i => i!["interface"]?.GetValue<string>()));
        Assert.DoesNotContain(cp, d => d["kind"]?.GetValue<string>() is "HostnameConfig" or "ResolverConfig" or "LinkConfig" or "BondConfig");
        // the endpoint host is among the API server SANs up to 1.11
        Assert.Equal(["10.20.0.10", "keys.lab.example.net"], cp[0]["cluster"]!["apiServer"]!["certSANs"]!.AsArray().Select(S));
        // the firewall, extension service and volume documents are written on every line (talhelper checks no version)
        Assert.Contains(cp, d => d["kind"]?.GetValue<string>() == "NetworkRuleConfig");
        // useUKI still keeps the kernel arguments out of install.extraKernelArgs
        Assert.Null(cp[0]["machine"]!["install"]!["extraKernelArgs"]);
    }

    [Fact]
    public void Before_1_12_schematic_kernel_arguments_are_copied_to_the_install_section()
    {
        var result = Render("storage-network", "v1.11");
        foreach (var node in result.Render.Nodes)
            Assert.Equal(["intel_iommu=on", "iommu=pt"], node.Documents[0]["machine"]!["install"]!["extraKernelArgs"]!.AsArray().Select(S));
        var at112 = Render("storage-network", "v1.12");
        Assert.All(at112.Render.Nodes, n => Assert.Null(n.Documents[0]["machine"]!["install"]!["extraKernelArgs"]));
    }

    [Fact]
    public void The_reference_moves_its_disk_encryption_patch_into_VolumeConfig_from_1_11()
    {
        var v110 = Render("reference", "v1.10");
        Assert.NotNull(v110.Render.Nodes[0].Documents[0]["machine"]!["systemDiskEncryption"]);
        Assert.DoesNotContain(v110.Render.Nodes[0].Documents, d => d["kind"]?.GetValue<string>() == "VolumeConfig");
        foreach (var line in new[] { "v1.11", "v1.12", "v1.13" })
        {
            var result = Render("reference", line);
            var documents = result.Render.Nodes[0].Documents.ToList();
            Assert.Null(documents[0]["machine"]!["systemDiskEncryption"]);
            foreach (var volume in new[] { "STATE", "EPHEMERAL" })
                Assert.Equal("{\"provider\":\"luks2\",\"keys\":[{\"slot\":0,\"nodeID\":{}}]}", Doc(documents, "VolumeConfig", volume)["encryption"]!.ToJsonString());
            var warning = Assert.Single(result.Findings, f => f.Rule == "talos/legacy-field" && f.Message.Contains("systemDiskEncryption.state", StringComparison.Ordinal));
            Assert.Equal(("talos/patches/encryption.yaml", 7), (warning.Location.File, warning.Location.Line));
        }
    }
}
