using System.Net;
using System.Text.Json.Nodes;
using HomeOps.Adapters.Files;
using HomeOps.Compile.Bgp;
using HomeOps.Compile.Network;
using HomeOps.Model.Network;
using HomeOps.Model.Repository;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Validate;

public sealed class NetworkPlanTests
{
    [Theory]
    [InlineData("172.29.52.100-172.29.52.199", "172.29.52.150", true)]
    [InlineData("172.29.52.100-172.29.52.199", "172.29.52.200", false)]
    [InlineData("fd47:25e1:2f96:51:100::/120", "fd47:25e1:2f96:51:100::ff", true)]
    [InlineData("fd47:25e1:2f96:51::/80", "fd47:25e1:2f96:51:100::1", false)]
    public void Ranges_contain_addresses_of_their_family(string range, string address, bool inside)
    {
        Assert.True(IpRange.TryParse(range, out var parsed));
        Assert.Equal(inside, parsed.Contains(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("10.0.0.0/8x")]
    [InlineData("10.0.0.9-10.0.0.1")]
    [InlineData("10.0.0.1-fd00::1")]
    [InlineData("fd00::2000/64")]
    public void Bad_ranges_are_refused(string text) => Assert.False(IpRange.TryParse(text, out _));

    [Fact]
    public void The_bootstrap_incident_pools_span_the_node_vlan()
    {
        Assert.True(IpRange.TryParse("172.29.51.100-172.29.51.199", out var bootstrap));
        Assert.True(IpRange.TryParse("172.29.52.100-172.29.52.199", out var gitops));
        Assert.Equal("172.29.48.0/21", IpRange.Covering([bootstrap, gitops]).ToString());
        Assert.Equal("172.29.52.0/24", IpRange.Covering([gitops, IpRange.OneAddress(IPAddress.Parse("172.29.52.250"))]).ToString());
    }

    [Fact]
    public void Empty_selectors_follow_the_field_they_belong_to()
    {
        var labels = new Dictionary<string, string> { ["app"] = "web" };
        Assert.True(LabelSelector.Matches(null, labels, LabelSelector.WhenEmpty.SelectsAll));
        Assert.False(LabelSelector.Matches(new JsonObject(), labels, LabelSelector.WhenEmpty.SelectsNothing));
        var notIn = JsonNode.Parse("""{"matchExpressions":[{"key":"somekey","operator":"NotIn","values":["never-used-value"]}]}""");
        Assert.True(LabelSelector.Matches(notIn, labels, LabelSelector.WhenEmpty.SelectsNothing));
        var other = JsonNode.Parse("""{"matchLabels":{"app":"db"}}""");
        Assert.False(LabelSelector.Matches(other, labels, LabelSelector.WhenEmpty.SelectsAll));
    }

    /// <summary>A BGP peer at a node's address or the VIP is the cluster talking to itself, not to the router.</summary>
    [Theory]
    [InlineData("10.0.0.11", "is the cluster's own node node1 ipAddress 10.0.0.11")]
    [InlineData("10.0.0.10", "is the cluster's own VIP 10.0.0.10")]
    public void A_bgp_peer_the_cluster_itself_holds_is_refused(string peer, string expected)
    {
        using var temp = new TempDir();
        var fixedFixture = RuleFixtures.PathOf("bgp/peer-unreachable", "fixed");
        foreach (var file in Directory.EnumerateFiles(fixedFixture))
            temp.Write(Path.GetFileName(file), File.ReadAllText(file).Replace("peerAddress: 10.0.0.1\n", $"peerAddress: {peer}\n", StringComparison.Ordinal));
        var found = RuleFixtures.Run(temp.Path).Where(f => f.Rule == "bgp/peer-unreachable").ToList();
        Assert.Contains(found, f => f.Message.Contains(expected, StringComparison.Ordinal));
    }

    /// <summary>Guards the reference tree's clean run against rules that simply saw nothing.</summary>
    [Fact]
    public void The_reference_plan_sees_every_layer()
    {
        var repo = new DiskRepository(new GitCli()).Load(Repo.Root, new Dictionary<string, string>());
        var plan = NetworkPlan.Of(repo);
        Assert.True(plan.Talos.DualStack);
        Assert.Equal(3, plan.Pools.Count);
        Assert.Equal("kubernetes", Manifest.Text(plan.Cilium!.Get("ipam.mode").Value));
        Assert.EndsWith("infrastructure/cilium/values.yaml", plan.Cilium.Get("ipv6.enabled").At.File);
        Assert.Equal(["172.29.52.200", "172.29.52.201"], plan.Services.SelectMany(s => s.Requested).Select(r => r.Text).Order());
        var bgp = BgpPlan.Of(repo);
        Assert.Equal(2, bgp.Peers.Count);
        Assert.Single(bgp.Advertisements);
    }
}
