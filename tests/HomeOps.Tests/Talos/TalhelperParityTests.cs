using System.Text.Json.Nodes;
using HomeOps.Compile.Secrets;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Model.Yaml;
using HomeOps.Operations.Maintenance;
using HomeOps.Tests.Support;
using HomeOps.Validate.Schema;

namespace HomeOps.Tests.Talos;

/// <summary>
/// One test per finding of issue #12's "Why", each written so it failed on main before the change: versions, Kubernetes
/// support, talhelper keys real configs use, what was silently wrong, and the merge of groups into nodes.
/// </summary>
public sealed class TalhelperParityTests
{
    private const string Minimal = """
        clusterName: one
        talosVersion: TALOS
        kubernetesVersion: K8S
        endpoint: https://10.0.0.10:6443
        nodes:
          - hostname: node1
            ipAddress: 10.0.0.11
            controlPlane: true
            installDisk: /dev/sda
        """;

    private static (TalosPlan? Plan, IReadOnlyList<Finding> Findings) Plan(string talconfig, Dictionary<string, string>? files = null, Dictionary<string, string>? environment = null)
    {
        var findings = new FindingBag();
        var all = new Dictionary<string, string>(files ?? []) { ["talconfig.yaml"] = talconfig };
        var plan = TalosCompiler.Plan(new InMemoryTree(all), "talconfig.yaml", environment ?? [], findings);
        return (plan, findings.Sorted());
    }

    internal static (List<List<JsonObject>> Nodes, IReadOnlyList<Finding> Findings, IReadOnlyList<Finding> Schema) Render(string talconfig, Dictionary<string, string>? files = null)
    {
        var all = new Dictionary<string, string>(files ?? []) { ["talconfig.yaml"] = talconfig };
        var tree = new InMemoryTree(all);
        var findings = new FindingBag();
        var plan = TalosCompiler.Plan(tree, "talconfig.yaml", new Dictionary<string, string>(), findings) ?? throw new Xunit.Sdk.XunitException(string.Join("\n", findings.Sorted()));
        var render = TalosCompiler.Render(plan, tree, SecretsBundle.Throwaway(DateTimeOffset.UnixEpoch), DateTimeOffset.UnixEpoch, findings);
        var schema = new FindingBag();
        new TalosSchemaValidator(new HomeOps.Adapters.Schemas.SchemaStore([Repo.Schemas], Path.Combine(Path.GetTempPath(), "homeops-test-schema-cache")), plan.Line.Name).Validate(render, schema);
        return (render.Nodes.Select(n => n.Documents.ToList()).ToList(), findings.Sorted(), schema.Sorted());
    }

    internal static string Version(string talos, string kubernetes = "v1.33.4") => Minimal.Replace("TALOS", talos).Replace("K8S", kubernetes);

    // ---- versions ----

    [Theory]
    [InlineData("v1.10.5")]
    [InlineData("v1.11.5")]
    [InlineData("v1.12.11")]
    [InlineData("v1.13.9")]
    public void A_minimal_config_renders_each_lines_own_contract_and_validates_against_its_schema(string talos)
    {
        var (nodes, findings, schema) = Render(Version(talos));
        Assert.Empty(findings);
        Assert.Empty(schema);
        var config = nodes[0][0];
        var line = talos[..talos.LastIndexOf('.')];
        var multidoc = line is "v1.12" or "v1.13";
        // the fields the 1.12 schema removed are written only before 1.12
        Assert.Equal(!multidoc, config["machine"]!["features"]!["rbac"] is not null);
        Assert.Equal(!multidoc, config["machine"]!["features"]!["stableHostname"] is not null);
        Assert.Equal(!multidoc, config["machine"]!["features"]!["apidCheckExtKeyUsage"] is not null);
        Assert.Equal(!multidoc, config["cluster"]!["apiServer"]!["disablePodSecurityPolicy"] is not null);
        Assert.Equal(!multidoc, config["machine"]!["network"]?["hostname"] is not null);
        Assert.Equal(multidoc, config["machine"]!["install"]!["grubUseUKICmdline"] is not null);
        Assert.Equal(multidoc, nodes[0].Any(d => d["kind"]?.GetValue<string>() == "HostnameConfig"));
        // no endpoint host among the API server SANs from 1.12 on (there are no extra SANs here, so none at all)
        Assert.Equal(!multidoc, config["cluster"]!["apiServer"]!["certSANs"] is not null);
        // 1.13 writes no machine.network at all
        Assert.Equal(line == "v1.13", config["machine"]!["network"] is null);
    }

    [Theory]
    [InlineData("v1.14.0")]
    [InlineData("v2.0.0")]
    public void A_line_newer_than_the_data_is_refused_naming_the_file_to_add(string talos)
    {
        var (plan, findings) = Plan(Version(talos));
        Assert.Null(plan);
        var error = Assert.Single(findings, f => f.Rule == "talos/version");
        Assert.Equal(new SourceLocation("talconfig.yaml", 2, 15), error.Location);
        Assert.Contains($"add src/HomeOps.Compile/Talos/Lines/{talos[..talos.LastIndexOf('.')]}.yaml", error.Message);
        Assert.Contains("config.schema.json", error.Message);
    }

    [Fact]
    public void A_pre_release_belongs_to_its_line()
    {
        var (plan, findings) = Plan(Version("v1.12.0-beta.1"));
        Assert.Empty(findings);
        Assert.Equal(("v1.12", "beta.1"), (plan!.Line.Name, plan.Talos.PreRelease));
        Assert.Equal("v1.12.0-beta.1", plan.Talos.ToString());
        Assert.EndsWith(":v1.12.0-beta.1", InstallerImage.For(plan.Config, plan.Nodes[0], plan.Talos));
        Assert.True(plan.Line.Gate("MultidocNetworkConfigSupported"));
    }

    [Theory]
    [InlineData("v1.13.9", "v1.40.0", "Kubernetes v1.40.0 is not supported by Talos v1.13 (it runs Kubernetes v1.31 to v1.36", "upgrade Talos to a line that supports")]
    [InlineData("v1.12.11", "v1.29.4", "Kubernetes v1.29.4 is not supported by Talos v1.12 (it runs Kubernetes v1.30 to v1.35", "upgrade Kubernetes to at least v1.30.0")]
    [InlineData("v1.10.5", "v1.34.0", "Kubernetes v1.34.0 is not supported by Talos v1.10", "upgrade Talos")]
    public void An_impossible_Kubernetes_and_Talos_pair_is_an_error_at_kubernetesVersion(string talos, string kubernetes, string message, string hint)
    {
        var (plan, findings) = Plan(Version(talos, kubernetes));
        Assert.Null(plan);
        var error = Assert.Single(findings, f => f.Rule == "talos/version");
        Assert.Equal(new SourceLocation("talconfig.yaml", 3, 20), error.Location);
        Assert.Contains(message, error.Message);
        Assert.Contains(hint, error.Hint);
    }

    [Fact]
    public void Kubernetes_upgrades_are_allowed_on_Talos_1_12_and_1_13()
    {
        Assert.Null(UpgradeTarget.KubernetesProblem("v1.34.0", new(1, 33, 4), new(1, 12, 11), out _));
        Assert.Null(UpgradeTarget.KubernetesProblem("v1.36.1", new(1, 35, 4), new(1, 13, 9), out _));
        Assert.Contains("outside what Talos v1.13 supports (Kubernetes v1.31 to v1.36)", UpgradeTarget.KubernetesProblem("v1.37.0", new(1, 36, 3), new(1, 13, 9), out _));
    }

    // ---- keys real configs use ----

    [Fact]
    public void Keys_talhelper_documents_are_read_not_rejected()
    {
        var talconfig = Version("v1.11.5") + """

                machineSpec:
                  mode: metal
                  arch: arm64
                  secureboot: true
                networkInterfaces:
                  - interface: dummy0
                    dummy: true
                    addresses: [169.254.10.1/32]
                  - interface: eth1
                    bridgePort:
                      master: br0
                  - deviceSelector:
                      pciID: "8086:1533"
                    dhcp: true
                userVolumes:
                  - name: data
                    provisioning:
                      diskSelector:
                        match: "!system_disk"
                schematic:
                  customization:
                    bootloader: sd-boot
                extraManifests:
                  - extra.yaml
                overridePatches: true
                overrideExtraManifests: true
                overrideMachineCertSANs: true
            inlineManifests:
              - name: ns
                contents: "kind: Namespace"
            cniConfig:
              name: flannel
              flannel:
                extraArgs: [--iface=eth0]
            """;
        var (plan, findings) = Plan(talconfig, new() { ["extra.yaml"] = "apiVersion: v1alpha1\nkind: WatchdogTimerConfig\ndevice: /dev/watchdog0\n" });
        Assert.DoesNotContain(findings, f => f.Severity == Severity.Error);
        Assert.NotNull(plan);
        Assert.Equal("arm64", plan.Nodes[0].Settings.MachineSpec!.Arch);
        Assert.Contains("metal-installer-secureboot/", InstallerImage.For(plan.Config, plan.Nodes[0], plan.Talos));
        Assert.Equal("8086:1533", plan.Nodes[0].Settings.NetworkInterfaces![2].DeviceSelector!.PciID);
    }

    [Fact]
    public void FQDN_hostnames_are_hostnames()
    {
        var (plan, findings) = Plan(Version("v1.12.11").Replace("hostname: node1", "hostname: node1.lab.example.net"));
        Assert.Empty(findings);
        Assert.Equal("talos/clusterconfig/one-node1.lab.example.net.yaml", plan!.MachineConfigPath(plan.Nodes[0]));
    }

    [Fact]
    public void Talenv_yaml_is_read()
    {
        var (plan, findings) = Plan(Version("v1.12.11").Replace("clusterName: one", "clusterName: ${name}"), new() { ["talenv.yaml"] = "name: from-talenv\n" });
        Assert.Empty(findings);
        Assert.Equal("from-talenv", plan!.Config.ClusterName);
    }

    // ---- what was silently wrong ----

    private static string WithFiles(string talos, string files) => Version(talos) + "\n    machineFiles:\n" + files;

    [Theory]
    [InlineData("0600", 384)]
    [InlineData("0o644", 420)]
    [InlineData("0x180", 384)]
    [InlineData("0_600", 384)]
    [InlineData("600", 600)]
    public void File_permissions_are_read_as_Go_reads_integers(string written, long mode)
    {
        var (nodes, findings, _) = Render(WithFiles("v1.11.5", $"      - content: x\n        permissions: {written}\n        path: /var/x\n        op: create\n"));
        Assert.DoesNotContain(findings, f => f.Severity == Severity.Error);
        Assert.Equal(mode, nodes[0][0]["machine"]!["files"]![0]!["permissions"]!.GetValue<long>());
        // decimal 600 is legal (talhelper reads it the same way) but is almost never meant
        Assert.Equal(written == "600", findings.Any(f => f.Message.Contains("is the decimal number 600 = 0o1130", StringComparison.Ordinal)));
    }

    [Fact]
    public void Machine_file_content_from_a_file_is_read_and_substituted()
    {
        var (nodes, findings, _) = Render(WithFiles("v1.11.5", "      - content: \"@./files/auth.env\"\n        path: /var/auth.env\n        op: create\n").Replace("clusterName: one", "clusterName: one"),
            new() { ["files/auth.env"] = "TOKEN=${token}\n", ["talenv.yaml"] = "token: abc123\n" });
        Assert.DoesNotContain(findings, f => f.Severity == Severity.Error);
        Assert.Equal("TOKEN=abc123\n", nodes[0][0]["machine"]!["files"]![0]!["content"]!.GetValue<string>());
    }

    [Fact]
    public void Go_templates_in_labels_and_annotations_are_rendered()
    {
        var talconfig = Version("v1.11.5") + """

                nodeLabels:
                  role: '{{ .MachineConfig.MachineType }}'
                  hostname: '{{ .MachineConfig.MachineNetwork.NetworkHostname | upper }}'
                nodeAnnotations:
                  image: '{{ .MachineConfig.MachineInstall.InstallImage }}'
            """;
        var (nodes, findings, _) = Render(talconfig);
        Assert.Empty(findings);
        var machine = nodes[0][0]["machine"]!;
        Assert.Equal("controlplane", machine["nodeLabels"]!["role"]!.GetValue<string>());
        Assert.Equal("NODE1", machine["nodeLabels"]!["hostname"]!.GetValue<string>());
        Assert.Equal(machine["install"]!["image"]!.GetValue<string>(), machine["nodeAnnotations"]!["image"]!.GetValue<string>());
    }

    [Fact]
    public void Groups_merge_into_nodes_as_talhelper_merges_them()
    {
        var talconfig = Version("v1.11.5") + """

                certSANs: [node.example]
                nodeLabels:
                  node: "yes"
            controlPlane:
              certSANs: [group.example]
              nodeLabels:
                group: "yes"
              nodeTaints:
                dedicated: control:NoSchedule
            """;
        var (nodes, findings, _) = Render(talconfig);
        Assert.Empty(findings);
        var machine = nodes[0][0]["machine"]!;
        // certSANs append, the node's first; labels replace (the group's and Talos' own are gone); taints come from the group
        Assert.Equal("[\"node.example\",\"group.example\"]", machine["certSANs"]!.ToJsonString());
        Assert.Equal("{\"node\":\"yes\"}", machine["nodeLabels"]!.ToJsonString());
        Assert.Equal("{\"dedicated\":\"control:NoSchedule\"}", machine["nodeTaints"]!.ToJsonString());
    }

    // ---- #16 item 8: the reference is talhelper's format ----

    [Theory]
    [InlineData("talconfig.yaml")]
    [InlineData("examples/storage-network/talconfig.yaml")]
    public void The_reference_and_the_example_validate_against_talhelpers_own_schema(string file)
    {
        var schema = new SchemaCheck().Register(File.ReadAllText(Path.Combine(Repo.Schemas, "talhelper", "talconfig.json")), new Uri("https://talhelper.invalid/talconfig.json"));
        var findings = new FindingBag();
        var document = YamlJson.ToJson(YamlDocuments.Parse(File.ReadAllText(Path.Combine(Repo.Root, file)), file, findings)[0].RootNode);
        var errors = SchemaCheck.Evaluate(schema, document);
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"{e.InstancePath}: {e.Message}")));
    }

    [Fact]
    public void The_reference_renders_as_before_with_its_disk_and_encryption_written_the_talhelper_way()
    {
        var result = TalosRendering.Run(Repo.Root);
        foreach (var node in result.Render.Nodes)
        {
            var machine = node.Documents[0]["machine"]!;
            Assert.Equal("{\"model\":\"APPLE*\"}", machine["install"]!["diskSelector"]!.ToJsonString());
            foreach (var volume in new[] { "state", "ephemeral" })
                Assert.Equal("{\"provider\":\"luks2\",\"keys\":[{\"nodeID\":{},\"slot\":0}]}", machine["systemDiskEncryption"]![volume]!.ToJsonString());
        }
    }
}
