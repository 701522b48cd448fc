using HomeOps.Adapters.Schemas;
using HomeOps.Compile.Init;
using HomeOps.Compile.Secrets;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Model.Init;
using HomeOps.Tests.Support;
using HomeOps.Validate.Schema;

namespace HomeOps.Tests.Init;

/// <summary>The Talos files init writes are read by the product's own compiler and pass the official schema of their line.</summary>
public sealed class TalosFilesTests
{
    private static ClusterSpec Spec(string file)
    {
        var findings = new FindingBag();
        var spec = SpecLoader.Load(File.ReadAllText(Path.Combine(Repo.Root, "tests", "fixtures", "init", file)), file, findings);
        Assert.Empty(findings.Sorted());
        return spec!;
    }

    [Theory]
    [InlineData("reference.yaml", 3)]
    [InlineData("small-ipv4.yaml", 3)]
    [InlineData("single-node.yaml", 1)]
    public void Every_spec_renders_machine_configs_the_schema_accepts(string file, int nodes)
    {
        var spec = Spec(file);
        var tree = new InMemoryTree(TalosFiles.For(spec).ToDictionary(f => f.Path, f => f.Text));
        var findings = new FindingBag();

        var plan = TalosCompiler.Plan(tree, "talconfig.yaml", new Dictionary<string, string>(), findings);
        Assert.NotNull(plan);
        var render = TalosCompiler.Render(plan, tree, SecretsBundle.Throwaway(DateTimeOffset.UnixEpoch), DateTimeOffset.UnixEpoch, findings);
        var line = ReleaseVersion.TryParse(spec.Cluster.TalosVersion, out var version) ? version.Line : "";
        using var temp = new TempDir();
        new TalosSchemaValidator(new SchemaStore([Repo.Schemas], temp.File("cache")), line).Validate(render, findings);

        Assert.Empty(findings.Sorted());
        Assert.Equal(nodes, render.Nodes.Count);
    }

    /// <summary>
    /// One control plane, two workers on a tagged VLAN: the addresses, routes and VIP sit on the VLAN sub-interface
    /// (Talos v1.10 machine.network.interfaces[].vlans[]), and Longhorn's data volume only on the nodes that run pods.
    /// </summary>
    [Fact]
    public void Workers_on_a_tagged_vlan_render_configs_the_schema_accepts()
    {
        var spec = Spec("small-ipv4.yaml");
        spec.Network.Vlan = 30;
        spec.Nodes[1].ControlPlane = false;
        spec.Nodes[2].ControlPlane = false;
        var tree = new InMemoryTree(TalosFiles.For(spec).ToDictionary(f => f.Path, f => f.Text));
        var findings = new FindingBag();
        var plan = TalosCompiler.Plan(tree, "talconfig.yaml", new Dictionary<string, string>(), findings);
        Assert.NotNull(plan);
        var render = TalosCompiler.Render(plan, tree, SecretsBundle.Throwaway(DateTimeOffset.UnixEpoch), DateTimeOffset.UnixEpoch, findings);
        using var temp = new TempDir();
        new TalosSchemaValidator(new SchemaStore([Repo.Schemas], temp.File("cache")), "v1.10").Validate(render, findings);
        Assert.Empty(findings.Sorted());

        foreach (var node in render.Nodes)
        {
            var link = node.Documents[0]["machine"]!["network"]!["interfaces"]![0]!;
            Assert.Null(link["addresses"]);
            var vlan = link["vlans"]![0]!;
            Assert.Equal(30, vlan["vlanId"]!.GetValue<int>());
            Assert.Equal($"{node.Node.Node.IpAddress}/24", vlan["addresses"]![0]!.GetValue<string>());
            Assert.Equal(node.Node.ControlPlane, vlan["vip"] is not null);
            var longhornVolume = node.Documents.Any(d => d["kind"]?.GetValue<string>() == "UserVolumeConfig" && d["name"]?.GetValue<string>() == "longhorn");
            Assert.Equal(!node.Node.ControlPlane, longhornVolume);
        }
    }

    [Fact]
    public void A_non_reference_spec_writes_none_of_the_reference_facts()
    {
        var text = string.Concat(TalosFiles.For(Spec("small-ipv4.yaml")).Select(f => f.Text));
        foreach (var fact in new[] { "172.29.", "fd47:", "home-ops", "geoffdavis", "APPLE", "mini0" })
            Assert.DoesNotContain(fact, text, StringComparison.Ordinal);
        Assert.Contains("192.168.5.201/24", text, StringComparison.Ordinal);
        Assert.Contains("mtu: 9000", text, StringComparison.Ordinal);
    }
}
