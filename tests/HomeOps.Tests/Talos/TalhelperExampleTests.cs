using System.Text.Json.Nodes;
using HomeOps.Compile.Secrets;
using HomeOps.Compile.Talos;
using HomeOps.Compile.Talos.Lines;
using HomeOps.Model;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Talos;

/// <summary>
/// talhelper's own example (budimanjojo/talhelper example/ at v3.1.16), read from the mirror, never copied: it renders for
/// every Talos line with no error and no schema error, as reviewed per line (golden digests), and what talhelper renders for
/// it at its own v1.12.0 (as read from talhelper's source: pkg/talos/nodeconfig.go, networkconfig.go, multidocs.go) comes out
/// field by field. Its talenv.yaml is
/// SOPS-encrypted, so the three variables come from the environment, allowed by name.
/// </summary>
public sealed class TalhelperExampleTests
{
    private const string Tag = "v3.1.16";

    private static readonly Dictionary<string, string> Environment = new()
    {
        ["myDomainName"] = "home.example",
        ["tsAuth"] = "tskey-from-env",
        ["HOMEOPS_ENV_ALLOW"] = "myDomainName,tsAuth",
    };

    private static readonly Lazy<SecretsBundle> Bundle = new(() => SecretsBundle.Throwaway(DateTimeOffset.UnixEpoch));

    private static (TalosPlan Plan, HomeOps.Compile.Talos.TalosRender Render, IReadOnlyList<Finding> Findings, IReadOnlyList<Finding> Schema) Render(string? talosVersion)
    {
        var files = new Dictionary<string, string>();
        foreach (var file in new[] { "talconfig.yaml", "talenv.yaml", "tsauth.env", "extraNodeLabels-patch.yaml", "uservolumeconfig3.yaml" })
            files[file] = Mirrors.Show(Mirrors.Talhelper, Tag, $"example/{file}");
        if (talosVersion is not null)
        {
            var line = TalosLines.For(ReleaseVersion.TryParse(talosVersion, out var v) ? v : throw new ArgumentException(talosVersion), out _)!;
            files["talconfig.yaml"] = files["talconfig.yaml"].Replace("talosVersion: v1.12.0", $"talosVersion: {talosVersion}", StringComparison.Ordinal);
            if (!line.Kubernetes.Supports(new ReleaseVersion(1, 35, 0)))
                files["talconfig.yaml"] = files["talconfig.yaml"].Replace("kubernetesVersion: v1.35.0", $"kubernetesVersion: {line.Kubernetes.Default}", StringComparison.Ordinal);
        }
        var tree = new InMemoryTree(files);
        var findings = new FindingBag();
        var plan = TalosCompiler.Plan(tree, "talconfig.yaml", Environment, findings) ?? throw new Xunit.Sdk.XunitException(string.Join("\n", findings.Sorted()));
        var render = TalosCompiler.Render(plan, tree, Bundle.Value, DateTimeOffset.UnixEpoch, findings);
        var schema = new FindingBag();
        new HomeOps.Validate.Schema.TalosSchemaValidator(new HomeOps.Adapters.Schemas.SchemaStore([Repo.Schemas], Path.Combine(Path.GetTempPath(), "homeops-test-schema-cache")), plan.Line.Name)
            .Validate(render, schema);
        return (plan, render, findings.Sorted(), schema.Sorted());
    }

    public static TheoryData<string> Lines() => [.. TalosLines.All.Select(l => l.SourceTag.ToString())];

    [MirrorTheory(Mirrors.Talhelper)]
    [MemberData(nameof(Lines))]
    public void Renders_for_every_line_without_errors_or_schema_errors(string talosVersion)
    {
        var (_, _, findings, schema) = Render(talosVersion);
        Assert.DoesNotContain(findings, f => f.Severity == Severity.Error);
        Assert.True(schema.Count == 0, string.Join("\n", schema));
    }

    /// <summary>
    /// The golden test per line: each node's config, secrets as placeholders, is the reviewed one for that line. Only its
    /// digest is committed (the render carries talhelper's example, which stays upstream); a difference writes it out for review.
    /// </summary>
    [MirrorTheory(Mirrors.Talhelper)]
    [MemberData(nameof(Lines))]
    public void Renders_on_every_line_as_reviewed(string talosVersion)
    {
        var (plan, render, _, _) = Render(talosVersion);
        Assert.Equal(2, render.Nodes.Count);
        foreach (var node in render.Nodes)
            Golden.MatchDigest($"talhelper-example/{plan.Line.Name}/{node.Node.Hostname}.yaml", TalosRendering.Redact(node.Yaml, Bundle.Value));
    }

    private static JsonObject Doc(IReadOnlyList<JsonObject> documents, string kind, string? name = null) =>
        documents.Single(d => d["kind"]?.GetValue<string>() == kind && (name is null || d["name"]?.GetValue<string>() == name));

    private static string S(JsonNode? node) => node!.GetValue<string>();

    [MirrorFact(Mirrors.Talhelper)]
    public void Renders_what_talhelper_renders_at_its_own_version()
    {
        var (plan, render, findings, schema) = Render(null);
        Assert.Empty(schema);
        Assert.Contains(findings, f => f.Rule == "config/env-sops");
        Assert.Equal(["home-cluster-kmaster1.yaml", "home-cluster-kworker1.yaml"], render.Nodes.Select(n => Path.GetFileName(n.Path)));

        var master = render.Nodes[0].Documents;
        var machine = master[0]["machine"]!;
        Assert.Equal("factory.talos.dev/metal-installer-secureboot/67a999813ff49ba00dc632aa48170dc866bda646b7ee4f944e2fb7dc50b522bd:v1.12.0", S(machine["install"]!["image"]));
        Assert.Null(machine["install"]!["extraKernelArgs"]);
        Assert.Equal(new Dictionary<string, string> { ["domainname"] = "home.example", ["isSecureBootEnabled"] = "true", ["rack"] = "rack1a", ["zone"] = "us-east-1a" },
            machine["nodeLabels"]!.AsObject().ToDictionary(p => p.Key, p => S(p.Value)));
        Assert.Equal(S(machine["install"]!["image"]), S(machine["nodeAnnotations"]!["installerUrl"]));
        Assert.Equal(["TS_AUTHKEY=123456\n", "TS_AUTHKEY=tskey-from-env\n"], machine["files"]!.AsArray().Select(f => S(f!["content"])));
        Assert.All(machine["files"]!.AsArray(), f => Assert.Equal(420, f!["permissions"]!.GetValue<long>()));
        Assert.Equal(["192.168.200.10"], machine["certSANs"]!.AsArray().Select(S));
        Assert.Equal(["home-cluster.local"], master[0]["cluster"]!["apiServer"]!["certSANs"]!.AsArray().Select(S));
        Assert.Equal("home.example", S(master[0]["cluster"]!["network"]!["dnsDomain"]));
        Assert.Equal("off", S(Doc(master, "HostnameConfig")["auto"]));
        Assert.Equal("kmaster1", S(Doc(master, "HostnameConfig")["hostname"]));
        Assert.Equal("{\"apiVersion\":\"v1alpha1\",\"kind\":\"ResolverConfig\",\"nameservers\":[{\"address\":\"1.1.1.1\"},{\"address\":\"8.8.8.8\"}],\"searchDomains\":{\"disableDefault\":true}}",
            Doc(master, "ResolverConfig").ToJsonString());
        Assert.Equal("glob(\"00:50:56:*\", mac(link.hardware_addr))", S(Doc(master, "LinkAliasConfig", "bond0-m0")["selector"]!["match"]));
        var bond = Doc(master, "BondConfig", "bond0");
        Assert.Equal(("802.3ad", "[\"bond0-m0\"]", 1500L, "[{\"gateway\":\"192.168.200.1\"}]"),
            (S(bond["bondMode"]), bond["links"]!.ToJsonString(), bond["mtu"]!.GetValue<long>(), bond["routes"]!.ToJsonString()));
        Assert.Equal("glob(\"00:30:93:12:31:78\", mac(link.hardware_addr)) && glob(\"atlantic\", link.driver)", S(Doc(master, "LinkAliasConfig", "ethSel0")["selector"]!["match"]));
        Assert.Equal(9000, Doc(master, "LinkConfig", "ethSel0")["mtu"]!.GetValue<long>());
        var wg = Doc(master, "WireguardConfig", "wg0");
        Assert.Equal(("192.168.1.3:1111", "10s"), (S(wg["peers"]![0]!["endpoint"]), S(wg["peers"]![0]!["persistentKeepaliveInterval"])));
        Assert.Equal("block", S(Doc(master, "NetworkDefaultActionConfig")["ingress"]));
        Assert.Equal("EPHEMERAL", S(Doc(master, "VolumeConfig")["name"]));
        Assert.Equal(["ceph-data", "sata", "sata2", "sata3"], master.Where(d => d["kind"]?.GetValue<string>() == "UserVolumeConfig").Select(d => S(d["name"])));
        Assert.Equal("error", S(machine["env"]!["GRPC_GO_LOG_SEVERITY_LEVEL"]));

        var worker = render.Nodes[1].Documents;
        Assert.Equal("factory.talos.dev/metal-installer/2d61dd07b20062062ea671b4d01873506103b67c0f7a4c3fb6cf4ee85585dcb8:v1.12.0", S(worker[0]["machine"]!["install"]!["image"]));
        Assert.Equal("/dev/sdb", S(worker[0]["machine"]!["install"]!["disk"]));
        Assert.Equal("apid-ingress", S(Doc(worker, "NetworkRuleConfig")["name"]));
        // its node patch still writes the legacy machine.network.interfaces: Talos 1.12 hides them, homeops moves them
        Assert.Null(worker[0]["machine"]!["network"]!["interfaces"]);
        Assert.Contains("192.168.200.13/24", Doc(worker, "LinkConfig", "eth1")["addresses"]!.ToJsonString());
        Assert.Contains(findings, f => f.Rule == "talos/legacy-field" && f.Message.Contains("machine.network.interfaces", StringComparison.Ordinal));
        Assert.Equal(plan.Config.ClusterName, S(worker[0]["cluster"]!["clusterName"]));
    }
}
