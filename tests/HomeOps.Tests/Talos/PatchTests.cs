using System.Text.Json.Nodes;
using HomeOps.Compile.Talhelper;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Tests.Talos;

public class PatchTests
{
    private static JsonObject Config() => (JsonObject)JsonNode.Parse("""
        {"machine":{"network":{"interfaces":[{"interface":"eth0","mtu":1500}]},"sysctls":{"a":"1"},"certSANs":["x"]},"cluster":{"proxy":{"image":"p"}}}
        """)!;

    private static List<JsonObject> Apply(IEnumerable<PatchSource> patches, FindingBag findings, Dictionary<string, string>? files = null, params JsonObject[] extra)
    {
        var documents = new List<JsonObject> { Config() };
        documents.AddRange(extra);
        new PatchApplier(new InMemoryTree(files ?? []), "", new Dictionary<string, string>(), findings).Apply(documents, patches);
        return documents;
    }

    private static PatchSource Inline(string yaml, string origin) => new(new YamlScalarNode(yaml), origin, default);

    [Fact]
    public void LaterPatchesWinAndTalhelperOrderIsGroupNodeTopLevel()
    {
        const string talconfig = """
            clusterName: c
            kubernetesVersion: v1.31.1
            endpoint: https://10.0.0.10:6443
            patches:
              - "machine: {sysctls: {order: top}}"
            controlPlane:
              patches:
                - "machine: {sysctls: {order: group, group: yes}}"
            nodes:
              - hostname: n1
                ipAddress: 10.0.0.11
                controlPlane: true
                installDisk: /dev/sda
                patches:
                  - "machine: {sysctls: {order: node, node: yes}}"
            """;
        var findings = new FindingBag();
        var config = TalConfigLoader.Load(new InMemoryTree(new() { ["talconfig.yaml"] = talconfig }), "talconfig.yaml", new Dictionary<string, string>(), findings)!;
        var node = NodeResolver.Resolve(config)[0];
        var documents = Apply(node.Patches, findings);
        var sysctls = documents[0]["machine"]!["sysctls"]!;
        Assert.Equal("top", sysctls["order"]!.GetValue<string>());
        Assert.Equal("yes", sysctls["group"]!.GetValue<string>());
        Assert.Equal("yes", sysctls["node"]!.GetValue<string>());
        Assert.Equal("1", sysctls["a"]!.GetValue<string>());
        Assert.Empty(findings.Sorted());
    }

    [Fact]
    public void StrategicMergeAppendsListsMergesInterfacesByNameAndDeletes()
    {
        var findings = new FindingBag();
        var documents = Apply([Inline("""
            machine:
              certSANs: [y]
              network:
                interfaces:
                  - interface: eth0
                    dhcp: true
                  - interface: eth1
                    dhcp: false
            cluster:
              proxy:
                $patch: delete
            """, "p")], findings);
        var machine = documents[0]["machine"]!;
        Assert.Equal(["x", "y"], machine["certSANs"]!.AsArray().Select(v => v!.GetValue<string>()));
        var interfaces = machine["network"]!["interfaces"]!.AsArray();
        Assert.Equal(2, interfaces.Count);
        Assert.Equal(1500, interfaces[0]!["mtu"]!.GetValue<long>());
        Assert.True(interfaces[0]!["dhcp"]!.GetValue<bool>());
        Assert.Null(documents[0]["cluster"]!["proxy"]);
    }

    [Fact]
    public void SubnetsAndAuditPolicyAreReplacedAndAdmissionPluginsMergeByName()
    {
        var documents = new List<JsonObject> { (JsonObject)JsonNode.Parse("""
            {"cluster":{"network":{"podSubnets":["10.244.0.0/16"]},"apiServer":{
              "admissionControl":[{"name":"PodSecurity","configuration":{"defaults":{"enforce":"baseline"}}}],
              "auditPolicy":{"apiVersion":"audit.k8s.io/v1","kind":"Policy","rules":[{"level":"Metadata"}]}}}}
            """)! };
        var findings = new FindingBag();
        new PatchApplier(new InMemoryTree([]), "", new Dictionary<string, string>(), findings).Apply(documents, [Inline("""
            cluster:
              network:
                podSubnets: [10.1.0.0/16]
              apiServer:
                admissionControl:
                  - name: PodSecurity
                    configuration: {defaults: {enforce: restricted}}
                auditPolicy:
                  apiVersion: audit.k8s.io/v1
                  kind: Policy
                  rules: [{level: None}]
            machine:
              network:
            """, "p")]);
        Assert.Empty(findings.Sorted());
        var cluster = documents[0]["cluster"]!;
        Assert.Equal(["10.1.0.0/16"], cluster["network"]!["podSubnets"]!.AsArray().Select(v => v!.GetValue<string>()));
        var admission = Assert.Single(cluster["apiServer"]!["admissionControl"]!.AsArray());
        Assert.Equal("restricted", admission!["configuration"]!["defaults"]!["enforce"]!.GetValue<string>());
        Assert.Equal("None", Assert.Single(cluster["apiServer"]!["auditPolicy"]!["rules"]!.AsArray())!["level"]!.GetValue<string>());
        Assert.Null(documents[0]["machine"]!["network"]); // an empty value in a patch changes nothing
    }

    [Theory]
    [InlineData("machine: {$patch: 1}")]
    [InlineData("- {op: 5, path: /machine}")]
    [InlineData("- {op: add, path: 5, value: 1}")]
    [InlineData("kind: [1]")]
    public void MalformedPatchesAreDiagnosticsNotCrashes(string patch)
    {
        var findings = new FindingBag();
        var exception = Record.Exception(() => Apply([Inline(patch, "p")], findings));
        Assert.Null(exception);
    }

    [Fact]
    public void Json6902AppliesToSingleDocumentConfigs()
    {
        var findings = new FindingBag();
        var documents = Apply([Inline("""
            - op: add
              path: /machine/kubelet
              value: {extraArgs: {rotate-server-certificates: "true"}}
            - op: replace
              path: /machine/network/interfaces/0/mtu
              value: 9000
            - op: remove
              path: /machine/certSANs/0
            """, "p")], findings);
        Assert.Empty(findings.Sorted());
        Assert.Equal("true", documents[0]["machine"]!["kubelet"]!["extraArgs"]!["rotate-server-certificates"]!.GetValue<string>());
        Assert.Equal(9000, documents[0]["machine"]!["network"]!["interfaces"]![0]!["mtu"]!.GetValue<long>());
        Assert.Empty(documents[0]["machine"]!["certSANs"]!.AsArray());
    }

    [Fact]
    public void Json6902OnMultiDocumentConfigIsRefusedLikeTalos()
    {
        var findings = new FindingBag();
        Apply([Inline("- {op: add, path: /machine/x, value: 1}", "patches[0]")], findings,
            extra: new JsonObject { ["apiVersion"] = "v1alpha1", ["kind"] = "UserVolumeConfig", ["name"] = "v" });
        var error = Assert.Single(findings.Sorted());
        Assert.Contains("multi-document", error.Hint);
    }

    [Fact]
    public void Json6902BadPathIsAnErrorNotACrash()
    {
        var findings = new FindingBag();
        Apply([Inline("- {op: remove, path: /machine/nope}", "patches[0]")], findings);
        Assert.Contains("does not exist", Assert.Single(findings.Sorted()).Message);
    }

    [Fact]
    public void FilePatchesAreReadAndMultiDocumentPatchesMergeByKindAndName()
    {
        var findings = new FindingBag();
        var files = new Dictionary<string, string>
        {
            ["talos/patches/vol.yaml"] = """
                machine: {sysctls: {b: "2"}}
                ---
                apiVersion: v1alpha1
                kind: UserVolumeConfig
                name: data
                provisioning: {minSize: 200GiB}
                ---
                apiVersion: v1alpha1
                kind: ExtensionServiceConfig
                name: new
                """,
        };
        var volume = new JsonObject { ["apiVersion"] = "v1alpha1", ["kind"] = "UserVolumeConfig", ["name"] = "data", ["provisioning"] = new JsonObject { ["minSize"] = "100GiB", ["grow"] = true } };
        var documents = Apply([new PatchSource(new YamlScalarNode("@./talos/patches/vol.yaml"), "p", default)], findings, files, volume);
        Assert.Empty(findings.Sorted());
        Assert.Equal("2", documents[0]["machine"]!["sysctls"]!["b"]!.GetValue<string>());
        Assert.Equal(3, documents.Count);
        Assert.Equal("200GiB", documents[1]["provisioning"]!["minSize"]!.GetValue<string>());
        Assert.True(documents[1]["provisioning"]!["grow"]!.GetValue<bool>());
        Assert.Equal("ExtensionServiceConfig", documents[2]["kind"]!.GetValue<string>());
    }

    [Fact]
    public void MissingPatchFileIsAnError()
    {
        var findings = new FindingBag();
        Apply([new PatchSource(new YamlScalarNode("@./nope.yaml"), "patches[0]", new SourceLocation("talconfig.yaml", 3, 5))], findings);
        var error = Assert.Single(findings.Sorted());
        Assert.Equal(new SourceLocation("talconfig.yaml", 3, 5), error.Location);
        Assert.Contains("nope.yaml not found", error.Message);
    }

    [Fact]
    public void PatchScalarsAreReadAsTalosDecodesThemIntoItsTypes()
    {
        // Seen in a real repository: sysctls and extraArgs written as numbers and booleans, file modes as 0o644 and 0644.
        var findings = new FindingBag();
        var files = new Dictionary<string, string>
        {
            ["p.yaml"] = """
                machine:
                  sysctls:
                    net.core.bpf_jit_harden: 1
                    vm.max_map_count: 0x10
                  kubelet:
                    extraArgs:
                      rotate-server-certificates: true
                  install:
                    wipe: yes
                  certSANs: [1.2, 10]
                  files:
                    - {path: /var/a, op: create, content: a, permissions: 0o644}
                    - {path: /var/b, op: create, content: b, permissions: 0644}
                    - {path: /var/c, op: create, content: c, permissions: 420}
                ---
                apiVersion: v1alpha1
                kind: UserVolumeConfig
                name: 1
                provisioning: {minSize: 100, grow: on}
                """,
        };
        var documents = Apply([new PatchSource(new YamlScalarNode("@p.yaml"), "p", default)], findings, files);
        Assert.Empty(findings.Sorted());
        var machine = documents[0]["machine"]!;
        Assert.Equal("1", machine["sysctls"]!["net.core.bpf_jit_harden"]!.GetValue<string>());
        Assert.Equal("0x10", machine["sysctls"]!["vm.max_map_count"]!.GetValue<string>());
        Assert.Equal("true", machine["kubelet"]!["extraArgs"]!["rotate-server-certificates"]!.GetValue<string>());
        Assert.True(machine["install"]!["wipe"]!.GetValue<bool>());
        Assert.Equal(["x", "1.2", "10"], machine["certSANs"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.All(machine["files"]!.AsArray(), f => Assert.Equal(420, f!["permissions"]!.GetValue<long>()));
        Assert.Equal("1", documents[1]["name"]!.GetValue<string>());
        Assert.Equal("100", documents[1]["provisioning"]!["minSize"]!.GetValue<string>());
        Assert.True(documents[1]["provisioning"]!["grow"]!.GetValue<bool>());
    }

    [Fact]
    public void AnInlineMappingPatchWithAComplexKeyIsADiagnostic()
    {
        var findings = new FindingBag();
        var stream = new YamlStream();
        stream.Load(new StringReader("{? [a, b] : c}"));
        Apply([new PatchSource(stream.Documents[0].RootNode, "patches[0]", new SourceLocation("talconfig.yaml", 3, 5))], findings);
        var error = Assert.Single(findings.Sorted());
        Assert.Contains("mapping keys must be scalars", error.Message);
    }

    [Fact]
    public void AMistypedOctalInAPatchIsAnErrorAtItsLine()
    {
        var findings = new FindingBag();
        var files = new Dictionary<string, string>
        {
            ["p.yaml"] = """
                machine:
                  files:
                    - {path: /var/a, op: create, content: a, permissions: 0999}
                """,
        };
        Apply([new PatchSource(new YamlScalarNode("@p.yaml"), "p", default)], findings, files);
        var error = Assert.Single(findings.Sorted());
        Assert.Equal(new SourceLocation("p.yaml", 3, 59), error.Location);
        Assert.Contains("0999 is not an octal number", error.Message);
        Assert.Contains("0o644", error.Hint);
    }
}
