using HomeOps.Compile.Talhelper;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Model.Talhelper;
using HomeOps.Model.Yaml;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Talos;

public class TalConfigReaderTests
{
    /// <summary>The example from talhelper's documentation (docs/docs/getting-started.md), trimmed to its v1.10 fields.</summary>
    private const string TalhelperExample = """
        clusterName: my-cluster
        talosVersion: v1.10.5
        kubernetesVersion: v1.31.1
        endpoint: https://192.168.200.10:6443
        domain: cluster.local
        allowSchedulingOnMasters: true
        additionalMachineCertSans:
          - 192.168.200.10
        clusterPodNets:
          - 10.14.0.0/16
        clusterSvcNets:
          - 10.15.0.0/16
        cniConfig:
          name: none
        patches:
          - |-
            - op: add
              path: /machine/kubelet/extraArgs
              value:
                rotate-server-certificates: "true"
        nodes:
          - hostname: kmaster1
            ipAddress: 192.168.200.11
            controlPlane: true
            installDisk: /dev/sda
            nodeLabels:
              rack: rack1a
            networkInterfaces:
              - interface: eth0
                addresses:
                  - 192.168.200.11/24
                routes:
                  - network: 0.0.0.0/0
                    gateway: 192.168.200.1
                vip:
                  ip: 192.168.200.10
          - hostname: kworker1
            ipAddress: 192.168.200.21
            controlPlane: false
            installDiskSelector:
              size: 4GB
              model: WDC*
            kernelModules:
              - name: br_netfilter
                parameters:
                  - nf_conntrack_max=131072
        controlPlane:
          patches:
            - "@./cp.yaml"
        worker:
          nodeTaints:
            dedicated: worker:NoSchedule
        """;

    /// <summary>1-based line of the first occurrence of <paramref name="text"/> in <paramref name="yaml"/>.</summary>
    private static int LineOf(string yaml, string text) => yaml[..yaml.IndexOf(text, StringComparison.Ordinal)].Count(c => c == '\n') + 1;

    private static (TalConfig? Config, FindingBag Findings) Load(string text, Dictionary<string, string>? env = null, Dictionary<string, string>? files = null)
    {
        var all = new Dictionary<string, string>(files ?? []) { ["talconfig.yaml"] = text };
        var findings = new FindingBag();
        var tree = new InMemoryTree(all);
        var variables = TalConfigLoader.Variables(tree, "", env ?? new Dictionary<string, string>(), findings);
        return (TalConfigLoader.Load(tree, "talconfig.yaml", variables, findings), findings);
    }

    [Fact]
    public void ReadsTalhelpersDocumentedFormat()
    {
        var (config, findings) = Load(TalhelperExample);
        Assert.NotNull(config);
        Assert.DoesNotContain(findings.Sorted(), d => d.Severity == Severity.Error);
        Assert.Equal("my-cluster", config.ClusterName);
        Assert.Equal(2, config.Nodes.Count);
        Assert.Equal("192.168.200.10", config.Nodes[0].NetworkInterfaces![0].Vip!.Ip);
        Assert.Equal("WDC*", config.Nodes[1].InstallDiskSelector!.Model);
        Assert.Equal("nf_conntrack_max=131072", config.Nodes[1].KernelModules![0].Parameters![0]);
        Assert.Equal("worker:NoSchedule", config.Worker!.NodeTaints!["dedicated"]);
        // allowSchedulingOnMasters is read, and flagged with its replacement
        Assert.True(config.AllowSchedulingOnMasters);
        var deprecated = Assert.Single(findings.Sorted(), d => d.Rule == "config/deprecated");
        Assert.Contains("allowSchedulingOnControlPlanes", deprecated.Hint);
        Assert.Equal(6, deprecated.Location.Line);
    }

    [Fact]
    public void ReadsTheReferenceCluster()
    {
        var (config, findings) = Load(File.ReadAllText(Path.Combine(Repo.Root, "talconfig.yaml")));
        Assert.Empty(findings.Sorted());
        Assert.Equal("home-ops", config!.ClusterName);
        Assert.Equal(["mini01", "mini02", "mini03"], config.Nodes.Select(n => n.Hostname));
        Assert.All(config.Nodes, n => Assert.True(n.ControlPlane));
        Assert.All(config.Nodes, n => Assert.Equal("APPLE*", n.InstallDiskSelector!.Model));
        Assert.Contains("@./talos/patches/encryption.yaml", config.ControlPlane!.Patches!.Select(p => ((YamlDotNet.RepresentationModel.YamlScalarNode)p).Value));
        Assert.Contains("disk.model == \"Portable SSD T5\"", config.ControlPlane.UserVolumes![0].Provisioning!.DiskSelector!.Match);
    }

    [Fact]
    public void UnknownKeyNamesPositionAndNearestKey()
    {
        var text = TalhelperExample.Replace("    installDisk: /dev/sda", "    instalDisk: /dev/sda");
        var (_, findings) = Load(text);
        var error = Assert.Single(findings.Sorted(), d => d.Severity == Severity.Error);
        Assert.Equal("config/schema", error.Rule);
        Assert.Equal(new SourceLocation("talconfig.yaml", LineOf(text, "instalDisk"), 5), error.Location);
        Assert.Contains("unknown key 'instalDisk'", error.Message);
        Assert.StartsWith("did you mean 'installDisk'?", error.Hint);
    }

    [Theory]
    [InlineData("    inlinePatch:\n      machine: {}\n", "'inlinePatch' (in nodes[0]) was removed in talhelper v2.0.0", "inline strategic-merge patch under patches:")]
    [InlineData("    configPatches:\n      - {op: add, path: /machine/x, value: 1}\n", "'configPatches' (in nodes[0]) was removed in talhelper v2.0.0", "JSON6902")]
    [InlineData("    extensions:\n      - image: ghcr.io/siderolabs/iscsi-tools:v0.1.4\n", "'extensions' (in nodes[0]) was removed", "officialExtensions")]
    public void KeysTalhelper2RemovedSayWhatReplacedThem(string insert, string message, string hint)
    {
        // seen in a real repository still written for talhelper v1
        var text = TalhelperExample.Replace("    installDisk: /dev/sda\n", "    installDisk: /dev/sda\n" + insert);
        var (_, findings) = Load(text);
        var error = Assert.Single(findings.Sorted(), d => d.Severity == Severity.Error);
        Assert.Contains(message, error.Message);
        Assert.Contains(hint, error.Hint);
    }

    [Fact]
    public void MissingRequiredNodeFieldIsAnError()
    {
        var (_, findings) = Load(TalhelperExample.Replace("    ipAddress: 192.168.200.21\n", ""));
        var error = Assert.Single(findings.Sorted(), d => d.Severity == Severity.Error);
        Assert.Contains("missing required key 'ipAddress'", error.Message);
        Assert.Equal(LineOf(TalhelperExample, "hostname: kworker1"), error.Location.Line);
    }

    [Fact]
    public void WrongTypeIsAnErrorAtTheValue()
    {
        var (_, findings) = Load(TalhelperExample.Replace("controlPlane: false", "controlPlane: maybe"));
        var error = Assert.Single(findings.Sorted(), d => d.Severity == Severity.Error);
        Assert.Contains("boolean", error.Message);
        Assert.Equal(LineOf(TalhelperExample, "controlPlane: false"), error.Location.Line);
    }

    [Fact]
    public void SubstitutesFromDotEnvAndTalenvOverTheAllowedEnvironmentWithDefaults()
    {
        var text = TalhelperExample
            .Replace("clusterName: my-cluster", "clusterName: ${CLUSTER_NAME}")
            .Replace("endpoint: https://192.168.200.10:6443", "endpoint: https://${VIP}:${API_PORT:-6443}")
            .Replace("domain: cluster.local", "domain: $DOMAIN");
        var files = new Dictionary<string, string>
        {
            [".env"] = "# comment\nexport VIP=192.168.200.10\nCLUSTER_NAME=\"from-dotenv\"\n",
            ["talenv.yaml"] = "CLUSTER_NAME: from-talenv\n",
        };
        var environment = new Dictionary<string, string> { ["CLUSTER_NAME"] = "from-env", ["DOMAIN"] = "lab.example", ["HOMEOPS_ENV_ALLOW"] = "CLUSTER_NAME,DOMAIN" };
        var (config, findings) = Load(text, environment, files);
        Assert.DoesNotContain(findings.Sorted(), d => d.Severity == Severity.Error);
        Assert.Equal("from-talenv", config!.ClusterName); // talhelper: env files override the environment, later files win
        Assert.Equal("https://192.168.200.10:6443", config.Endpoint);
        Assert.Equal("lab.example", config.Domain); // bare $NAME works as in talhelper (a8m/envsubst)
    }

    [Fact]
    public void MissingOrEmptyVariableIsAnErrorAtItsPosition()
    {
        var text = TalhelperExample.Replace("domain: cluster.local", "domain: ${DNS_DOMAIN}").Replace("clusterName: my-cluster", "clusterName: ${EMPTY}");
        var (_, findings) = Load(text, new Dictionary<string, string> { ["EMPTY"] = "" });
        var errors = findings.Sorted().Where(d => d.Rule == "config/env-missing").ToList();
        Assert.Equal(2, errors.Count);
        Assert.Equal(new SourceLocation("talconfig.yaml", 1, 14), errors[0].Location);
        Assert.Equal(new SourceLocation("talconfig.yaml", 5, 9), errors[1].Location);
        Assert.Contains("DNS_DOMAIN", errors[1].Message);
    }

    [Fact]
    public void MalformedYamlIsASyntaxError()
    {
        var (config, findings) = Load("clusterName: x\nnodes:\n  - hostname: [unclosed\n");
        Assert.Null(config);
        Assert.Equal("yaml/syntax", Assert.Single(findings.Sorted()).Rule);
    }

    [Fact]
    public void GroupSettingsApplyUnlessTheNodeOverrides()
    {
        var (config, _) = Load(TalhelperExample.Replace("controlPlane:\n  patches:", "controlPlane:\n  nameservers: [1.1.1.1]\n  patches:"));
        var nodes = NodeResolver.Resolve(config!);
        Assert.Equal(["1.1.1.1"], nodes[0].Settings.Nameservers!);
        Assert.Null(nodes[1].Settings.Nameservers);
        Assert.Equal("worker:NoSchedule", nodes[1].Settings.NodeTaints!["dedicated"]);
        Assert.Equal(["controlPlane.patches[0]", "patches[0]"], nodes[0].Patches.Select(p => p.Origin));
    }

    [Theory]
    [InlineData("- 10.14.0.0/16", "- 10.14.0.0/33", "not a valid network CIDR")]
    [InlineData("- 10.14.0.0/16", "- 10.14.1.0/16", "host bits set")]
    [InlineData("- 10.15.0.0/16", "- 10.14.128.0/17", "overlaps")]
    [InlineData("ipAddress: 192.168.200.21", "ipAddress: 192.168.200.300", "not an IP address")]
    [InlineData("hostname: kworker1", "hostname: kmaster1", "duplicate hostname")]
    [InlineData("hostname: kworker1", "hostname: a/../../../tmp/pwn", "is not a valid hostname")]
    [InlineData("clusterName: my-cluster", "clusterName: \"a/../..\"", "is not a DNS label")]
    [InlineData("ipAddress: 192.168.200.21", "ipAddress: '10'", "not an IP address")]
    [InlineData("ipAddress: 192.168.200.21", "ipAddress: 0x0a.0.0.1", "not an IP address")]
    [InlineData("talosVersion: v1.10.5", "talosVersion: v1.10.99999999999", "is not a version")]
    [InlineData("ipAddress: 192.168.200.21", "ipAddress: 192.168.200.11", "duplicate ipAddress")]
    [InlineData("ip: 192.168.200.10", "ip: 192.168.201.10", "outside the interface's subnet")]
    [InlineData("ip: 192.168.200.10", "ip: 192.168.200.11", "is also a node's ipAddress")]
    [InlineData("endpoint: https://192.168.200.10:6443", "endpoint: https://192.168.200.9:6443", "is not the VIP")]
    [InlineData("    installDisk: /dev/sda\n", "", "has no installDisk")]
    [InlineData("    installDisk: /dev/sda\n", "    installDisk: /dev/sda\n    installDiskSelector: {model: X}\n", "sets both")]
    public void SemanticChecksCatch(string from, string to, string expected)
    {
        var text = TalhelperExample.Replace(from, to);
        Assert.NotEqual(TalhelperExample, text);
        var findings = new FindingBag();
        TalosCompiler.Plan(new InMemoryTree(new() { ["talconfig.yaml"] = text, ["cp.yaml"] = "machine: {}" }), "talconfig.yaml",
            new Dictionary<string, string>(), findings);
        var errors = findings.Sorted().Where(d => d.Severity == Severity.Error).ToList();
        Assert.Contains(errors, e => e.Message.Contains(expected));
        Assert.All(errors, e => Assert.True(e.Location.Line > 0, $"{e} has no line"));
    }

    [Theory]
    [InlineData("nodes: null", "missing required key 'nodes'")]
    [InlineData("nodes: []", "no nodes")]
    [InlineData("nodes:\n  - {? [a, b] : c}", "keys must be plain names")]
    [InlineData("nodes:\n  - just-a-string", "must be a mapping")]
    public void HostileShapesAreDiagnosticsNotCrashes(string nodes, string expected)
    {
        var text = TalhelperExample[..TalhelperExample.IndexOf("nodes:", StringComparison.Ordinal)] + nodes + "\n";
        var findings = new FindingBag();
        TalosCompiler.Plan(new InMemoryTree(new() { ["talconfig.yaml"] = text }), "talconfig.yaml", new Dictionary<string, string>(), findings);
        Assert.Contains(findings.Sorted(), d => d.Severity == Severity.Error && d.Message.Contains(expected));
    }

    [Fact]
    public void FreeFormFieldsWithComplexKeysAreDiagnosticsNotCrashes()
    {
        var (_, findings) = Load(TalhelperExample.Replace("    installDisk: /dev/sda\n", "    installDisk: /dev/sda\n    machineDisks:\n      - {? [a, b] : c}\n"));
        var error = Assert.Single(findings.Sorted(), d => d.Severity == Severity.Error);
        Assert.Contains("mapping keys must be scalars", error.Message);
    }

    [Fact]
    public void DeepNestingAndAliasBombsAreRefused()
    {
        var deep = new FindingBag();
        YamlDocuments.Parse("a: " + new string('[', 30000) + new string(']', 30000), "deep.yaml", deep);
        Assert.Equal("yaml/syntax", Assert.Single(deep.Sorted()).Rule);

        var bomb = new System.Text.StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 12; i++) bomb.Append($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 9))}]\n");
        // refused at parse, counted without expanding (issue 17: YamlBudget) ...
        var findings = new FindingBag();
        Assert.Empty(YamlDocuments.Parse(bomb.ToString(), "bomb.yaml", findings));
        var finding = Assert.Single(findings.Sorted());
        Assert.Equal("yaml/syntax", finding.Rule);
        Assert.Contains("alias bomb", finding.Message);
        Assert.True(finding.Location.Line > 0);
        // ... and the conversion still stops on its own at a million nodes a document
        var stream = new YamlDotNet.RepresentationModel.YamlStream();
        stream.Load(new StringReader(bomb.ToString()));
        var refused = Assert.ThrowsAny<FormatException>(() => YamlJson.ToJson(stream.Documents[0].RootNode));
        Assert.Contains("alias bomb", refused.Message);
    }

    [Fact]
    public void ReadsSchematicSecurebootAsTalhelperSpellsIt()
    {
        var (config, findings) = Load(TalhelperExample.Replace("    installDisk: /dev/sda\n",
            "    installDisk: /dev/sda\n    schematic:\n      customization:\n        secureboot:\n          includeWellKnownCertificates: true\n"));
        Assert.DoesNotContain(findings.Sorted(), d => d.Severity == Severity.Error);
        Assert.Equal("fa8e05f142a851d3ee568eb0a8e5841eaf6b0ebc8df9a63df16ac5ed2c04f3e6", SchematicId.Of(config!.Nodes[0].Schematic));
    }

    [Fact]
    public void DualStackNeedsBothFamiliesInBothRanges()
    {
        var text = TalhelperExample.Replace("  - 10.14.0.0/16", "  - 10.14.0.0/16\n  - fd00:14::/64");
        var findings = new FindingBag();
        TalosCompiler.Plan(new InMemoryTree(new() { ["talconfig.yaml"] = text }), "talconfig.yaml", new Dictionary<string, string>(), findings);
        Assert.Contains(findings.Sorted(), d => d.Rule == "network/dual-stack-mismatch" && d.Message.Contains("dual-stack") && d.Message.Contains("IPv4-only"));
    }

    [Fact]
    public void ARangeWithHostBitsIsCheckedFurtherAsKubernetesReadsIt()
    {
        // seen in a real repository: a dual-stack IPv6 pod /64 with host bits; Kubernetes masks it, so it covers the service range
        var text = TalhelperExample
            .Replace("  - 10.14.0.0/16", "  - 10.14.0.0/16\n  - fd00:14:0:0:2000::/64")
            .Replace("  - 10.15.0.0/16", "  - 10.15.0.0/16\n  - fd00:14:0:0:1000::/108");
        var findings = new FindingBag();
        TalosCompiler.Plan(new InMemoryTree(new() { ["talconfig.yaml"] = text }), "talconfig.yaml", new Dictionary<string, string>(), findings);
        var errors = findings.Sorted().Where(d => d.Severity == Severity.Error).ToList();
        Assert.Contains(errors, d => d.Rule == "talos/config" && d.Message.Contains("has host bits set; as a network it means fd00:14::/64"));
        Assert.Contains(errors, d => d.Rule == "network/cidr-overlap" && d.Message.Contains("fd00:14:0:0:1000::/108 overlaps clusterPodNets"));
        Assert.DoesNotContain(errors, d => d.Rule == "network/dual-stack-mismatch");
    }
}
