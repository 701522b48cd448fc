using HomeOps.Adapters.Files;
using HomeOps.Compile.Init;
using HomeOps.Model;
using HomeOps.Model.Init;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Init;

/// <summary>
/// `homeops init --import talconfig.yaml`: a talhelper user's config as the start of a cluster spec. The reference
/// talconfig must give back what the reference spec says of the cluster, network and nodes (the two were written
/// independently); our own fixture covers VLAN sub-interfaces, MACs, disks by path and serial, a worker, DHCP and a
/// second interface.
/// </summary>
public sealed class TalConfigImportTests
{
    private static (ClusterSpec Spec, IReadOnlyList<Finding> Findings) Import(string directory)
    {
        var findings = new FindingBag();
        var spec = TalConfigImport.From(new DiskSourceTree(directory), "talconfig.yaml", new System.Collections.Hashtable(), findings);
        Assert.True(spec is not null, string.Join("\n", findings.Sorted()));
        return (spec!, findings.Sorted());
    }

    private static string Json<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value);

    [Fact]
    public void The_reference_talconfig_gives_back_the_reference_specs_cluster_network_and_nodes()
    {
        var findings = new FindingBag();
        var expected = SpecLoader.Load(File.ReadAllText(Path.Combine(Repo.Root, "tests", "fixtures", "init", "reference.yaml")), "reference.yaml", findings)!;
        var (spec, notes) = Import(Repo.Root);

        Assert.Equal(Json(expected.Cluster), Json(spec.Cluster));
        // the VLAN is the switch port's business in the reference (an access port): talconfig.yaml cannot say it
        expected.Network.Vlan = null;
        Assert.Equal(Json(expected.Network), Json(spec.Network));
        Assert.Equal(Json(expected.Nodes), Json(spec.Nodes));
        Assert.Equal(expected.Storage.SsdModel, spec.Storage.SsdModel);
        var left = Assert.Single(notes);
        Assert.Equal(Severity.Info, left.Severity);
        Assert.Contains("not imported (the spec has no place for them): patches, schematics (extensions, kernel arguments), extensionServices", left.Message);
    }

    [Fact]
    public void Vlans_macs_disks_workers_dhcp_and_extra_interfaces_are_read_or_named()
    {
        var (spec, notes) = Import(Path.Combine(Repo.Root, "tests", "fixtures", "init", "import"));
        Assert.Equal(("garage", "v1.11.5", "v1.31.4"), (spec.Cluster.Name, spec.Cluster.TalosVersion, spec.Cluster.KubernetesVersion));
        var network = spec.Network;
        Assert.Equal(("10.20.30.0/24", "10.20.30.1", "10.20.30.40", 30, 9000), (network.NodeCidr, network.Gateway, network.Vip, network.Vlan, network.Mtu));
        Assert.Equal(["10.20.30.1", "1.1.1.1"], network.Nameservers);
        Assert.Equal(("10.42.0.0/16", "10.43.0.0/16"), (network.PodCidr, network.ServiceCidr));
        Assert.Null(network.Ipv6);

        Assert.Equal(["alpha", "beta", "gamma"], spec.Nodes.Select(n => n.Hostname));
        Assert.Equal(("/dev/sda", "aa:bb:cc:00:00:41", true), (spec.Nodes[0].InstallDisk.Path, spec.Nodes[0].Mac, spec.Nodes[0].ControlPlane));
        Assert.Equal("S4EVNX0R123456", spec.Nodes[1].InstallDisk.Serial);
        Assert.False(spec.Nodes[2].ControlPlane);
        Assert.Null(spec.Nodes[2].InstallDisk.Path ?? spec.Nodes[2].InstallDisk.Model ?? spec.Nodes[2].InstallDisk.Serial);

        Assert.Contains(notes, n => n.Severity == Severity.Warning && n.Message.Contains("gamma: no installDisk", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Severity == Severity.Warning && n.Message.Contains("gamma: no interface holds 10.20.30.43 with a prefix (DHCP?)", StringComparison.Ordinal)
            && n.Location.Line > 0);
        Assert.Contains(notes, n => n.Severity == Severity.Info && n.Message.Contains("alpha: only the interface holding 10.20.30.41 is imported (1 more", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Message.Contains("not imported (the spec has no place for them): patches", StringComparison.Ordinal));
    }

    [Fact]
    public void What_import_says_about_a_substituted_value_never_quotes_it()
    {
        using var temp = new TempDir();
        temp.Write(".env", "API_HOST=kube-api.secret-corner.example\n");
        temp.Write("talconfig.yaml", """
            clusterName: lab
            endpoint: https://${API_HOST}:6443
            nodes:
              - hostname: one
                ipAddress: 10.0.0.11
                controlPlane: true
                installDisk: /dev/sda
                networkInterfaces:
                  - deviceSelector: { physical: true }
                    addresses: [10.0.0.11/24]
            """);
        var (spec, notes) = Import(temp.Path);
        Assert.Equal("", spec.Network.Vip); // a name, not an address: the VIP is asked for
        var endpoint = Assert.Single(notes, n => n.Message.Contains("names no address", StringComparison.Ordinal));
        Assert.Contains("${API_HOST}", endpoint.Message);
        Assert.DoesNotContain(notes, n => (n.Message + n.Hint).Contains("secret-corner", StringComparison.Ordinal));
    }
}
