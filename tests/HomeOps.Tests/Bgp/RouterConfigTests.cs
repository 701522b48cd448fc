using System.Net;
using HomeOps.Adapters.Files;
using HomeOps.Compile.Bgp;
using HomeOps.Model;
using HomeOps.Model.Network;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Bgp;

public sealed class RouterConfigTests
{
    private static BgpTopology Reference() =>
        BgpTopology.From(new DiskRepository(new GitCli()).Load(Repo.Root, new Dictionary<string, string>()));

    private static string[] Lines(string config) => config.Split('\n');

    [Fact]
    public void Reference_router_peers_with_every_node_address_of_both_families()
    {
        var config = RouterConfig.Render(Reference(), RouterFlavour.Frr);
        var lines = Lines(config);
        Assert.Contains("router bgp 64513", lines);
        Assert.Contains(" bgp router-id 172.29.51.1", lines);
        Assert.Contains(" no bgp default ipv4-unicast", lines);
        Assert.Contains(" bgp graceful-restart", lines);
        Assert.Contains(" bgp graceful-restart restart-time 120", lines);
        Assert.Contains(" timers bgp 3 9", lines); // CiliumBGPPeerConfigs udm-pro-v4/-v6 keepalive 3, hold 9
        string[] v4 = ["172.29.51.11", "172.29.51.12", "172.29.51.13"];
        string[] v6 = ["fd47:25e1:2f96:51::11", "fd47:25e1:2f96:51::12", "fd47:25e1:2f96:51::13"];
        var neighbors = lines.Where(l => l.EndsWith(" remote-as 64512")).Select(l => l.Split(' ')[2]).ToList();
        Assert.Equal([.. v4, .. v6], neighbors);
        foreach (var n in v4.Concat(v6)) Assert.Contains($" neighbor {n} timers connect 12", lines);

        var ipv4 = Section(lines, " address-family ipv4 unicast");
        var ipv6 = Section(lines, " address-family ipv6 unicast");
        Assert.Equal(v4, ipv4.Where(l => l.EndsWith(" activate")).Select(l => l.Split(' ')[3]));
        Assert.Equal(v6, ipv6.Where(l => l.EndsWith(" activate")).Select(l => l.Split(' ')[3]));
        Assert.All(v4, n => Assert.Contains($"  neighbor {n} route-map {RouterConfig.InV4} in", ipv4));
        Assert.All(v6, n => Assert.Contains($"  neighbor {n} route-map {RouterConfig.InV6} in", ipv6));
        Assert.All(v4, n => Assert.Contains($"  neighbor {n} route-map {RouterConfig.Out} out", ipv4));
        Assert.Contains("  maximum-paths 3", ipv4);
        Assert.Contains($"route-map {RouterConfig.Out} deny 10", lines);
        Assert.DoesNotContain(lines, l => l.Contains(" permit ") && l.StartsWith("route-map " + RouterConfig.Out));
    }

    [Fact]
    public void Reference_prefix_lists_accept_exactly_the_pool_addresses_as_host_routes()
    {
        var lines = Lines(RouterConfig.Render(Reference(), RouterFlavour.Frr));
        var v4 = Permitted(lines, "ip prefix-list " + RouterConfig.PoolsV4);
        var v6 = Permitted(lines, "ipv6 prefix-list " + RouterConfig.PoolsV6);
        // the three pools: 172.29.52.100-199, .200-220, .221-250 and fd47:25e1:2f96:51:100::/120
        Assert.Equal(151, v4.Count);
        Assert.Equal(Enumerable.Range(100, 151).Select(i => IPAddress.Parse($"172.29.52.{i}")), v4);
        Assert.Equal(256, v6.Count);
        Assert.Equal(IPAddress.Parse("fd47:25e1:2f96:51:100::"), v6[0]);
        Assert.Equal(IPAddress.Parse("fd47:25e1:2f96:51:100::ff"), v6[^1]);
        Assert.Equal($"ip prefix-list {RouterConfig.PoolsV4} seq 100 deny any", lines.Single(l => l.StartsWith($"ip prefix-list {RouterConfig.PoolsV4}") && l.EndsWith("deny any")));
        Assert.Contains($"ipv6 prefix-list {RouterConfig.PoolsV6} seq 10 permit fd47:25e1:2f96:51:100::/120 ge 128", lines);
    }

    [Theory]
    [InlineData("172.29.52.100-172.29.52.199", "172.29.52.100/30 172.29.52.104/29 172.29.52.112/28 172.29.52.128/26 172.29.52.192/29")]
    [InlineData("10.0.0.5-10.0.0.5", "10.0.0.5/32")]
    [InlineData("10.0.0.0-10.0.0.255", "10.0.0.0/24")]
    [InlineData("fd00::/120", "fd00::/120")]
    [InlineData("fd00::1-fd00::3", "fd00::1/128 fd00::2/127")]
    public void Ranges_become_the_fewest_exact_prefixes(string range, string expected)
    {
        Assert.True(IpRange.TryParse(range, out var parsed));
        Assert.Equal(expected, string.Join(' ', RouterConfig.Prefixes([parsed])));
    }

    [Fact]
    public void Adjacent_and_overlapping_pools_are_joined()
    {
        Assert.True(IpRange.TryParse("172.29.52.200-172.29.52.220", out var ingress));
        Assert.True(IpRange.TryParse("172.29.52.221-172.29.52.223", out var reserved));
        Assert.True(IpRange.TryParse("172.29.52.210-172.29.52.215", out var inside));
        Assert.Equal("172.29.52.200/29 172.29.52.208/28", string.Join(' ', RouterConfig.Prefixes([reserved, ingress, inside])));
    }

    [Theory]
    [InlineData(RouterFlavour.Frr)]
    [InlineData(RouterFlavour.Unifi)]
    public void Generated_config_passes_frr_own_check(RouterFlavour flavour)
    {
        var vtysh = Frr.Vtysh ?? throw new Xunit.Sdk.XunitException("vtysh not found: install Debian's frr package (./test.sh does)");
        using var temp = new TempDir();
        var file = temp.Write("frr.conf", RouterConfig.Render(Reference(), flavour));
        var check = Process.Run(vtysh, temp.Path, "--dryrun", "-f", file);
        Assert.True(check.ExitCode == 0, $"vtysh --dryrun exited {check.ExitCode}:\n{check.Output}");
    }

    [Fact]
    public void Frr_check_rejects_a_broken_config()
    {
        // proves the check above is not vacuous
        var vtysh = Frr.Vtysh ?? throw new Xunit.Sdk.XunitException("vtysh not found: install Debian's frr package (./test.sh does)");
        using var temp = new TempDir();
        var file = temp.Write("frr.conf", RouterConfig.Render(Reference(), RouterFlavour.Frr).Replace(" remote-as 64512", " remote-ass 64512"));
        Assert.NotEqual(0, Process.Run(vtysh, temp.Path, "--dryrun", "-f", file).ExitCode);
    }

    [Fact]
    public void Unifi_flavour_leaves_the_preamble_to_unifi_os()
    {
        var frr = RouterConfig.Render(Reference(), RouterFlavour.Frr);
        var unifi = RouterConfig.Render(Reference(), RouterFlavour.Unifi);
        Assert.Contains("frr defaults traditional\n", frr);
        Assert.DoesNotContain("frr defaults", unifi);
        Assert.DoesNotContain("hostname", unifi);
        Assert.Equal(frr[frr.IndexOf("router bgp", StringComparison.Ordinal)..], unifi[unifi.IndexOf("router bgp", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void A_peer_config_without_ipv6_activates_no_ipv6_neighbor()
    {
        using var temp = new TempDir();
        var root = BgpTrees.Reference(temp);
        // the IPv6 peer uses the IPv4 peer config too, so no session negotiates ipv6
        BgpTrees.Edit(root, "infrastructure/cilium/bgp.yaml", text => text.Replace("name: udm-pro-v6\n---", "name: udm-pro-v4\n---"));
        var config = RouterConfig.Render(BgpTopology.From(new DiskRepository(new GitCli()).Load(root, new Dictionary<string, string>())), RouterFlavour.Frr);
        Assert.DoesNotContain("address-family ipv6 unicast", config);
        Assert.Contains(" neighbor 172.29.51.11 activate", config);
    }

    [Fact]
    public void Without_a_cluster_config_there_is_nothing_to_generate()
    {
        using var temp = new TempDir();
        var root = BgpTrees.Reference(temp);
        File.Delete(Path.Combine(root, "infrastructure/cilium/bgp.yaml"));
        BgpTrees.Edit(root, "infrastructure/cilium/kustomization.yaml", text => text.Replace("  - bgp.yaml\n", ""));
        var error = Assert.Throws<HomeOpsException>(() => BgpTopology.From(new DiskRepository(new GitCli()).Load(root, new Dictionary<string, string>())));
        Assert.Contains("no CiliumBGPClusterConfig", error.Message);
    }

    [Fact]
    public void Cli_prints_the_config_for_the_reference()
    {
        var result = Process.HomeOps(Repo.Root, "bgp", "router-config", "--router", "unifi");
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.StartsWith("! generated by `homeops bgp router-config`", result.Stdout);
        Assert.Contains("router bgp 64513\n", result.Stdout);
        Assert.Equal(RouterConfig.Render(Reference(), RouterFlavour.Unifi), result.Stdout);
    }

    private static List<string> Section(string[] lines, string start) =>
        lines.SkipWhile(l => l != start).Skip(1).TakeWhile(l => l != " exit-address-family").ToList();

    /// <summary>Every host route a prefix list permits, expanded (permit lines are "P ge max" or an exact host prefix).</summary>
    private static List<IPAddress> Permitted(string[] lines, string list)
    {
        var result = new List<IPAddress>();
        foreach (var line in lines.Where(l => l.StartsWith(list + " ") && l.Contains(" permit ")))
        {
            var words = line.Split(' ');
            var prefix = IPNetwork.Parse(words[words.ToList().IndexOf("permit") + 1]);
            var bits = prefix.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32;
            Assert.True(prefix.PrefixLength == bits || line.EndsWith($" ge {bits}"), $"not host routes only: {line}");
            Assert.True(IpRange.TryParse(prefix.ToString(), out var range));
            for (var a = range.First; ; a = Next(a))
            {
                result.Add(a);
                if (a.Equals(range.Last)) break;
            }
        }
        return result;
    }

    private static IPAddress Next(IPAddress a)
    {
        var bytes = a.GetAddressBytes();
        for (var i = bytes.Length - 1; i >= 0 && ++bytes[i] == 0; i--) { }
        return new IPAddress(bytes);
    }
}

/// <summary>FRR's binaries, when Debian's frr package is installed.</summary>
public static class Frr
{
    public static string? Vtysh => new[] { "/usr/bin/vtysh", "/bin/vtysh" }.FirstOrDefault(File.Exists);
}

/// <summary>Scratch copies of the reference cluster's BGP inputs (talconfig.yaml + the GitOps tree) for breaking one thing.</summary>
public static class BgpTrees
{
    public static string Reference(TempDir temp)
    {
        Repo.CopyReference(temp, git: false);
        File.Copy(Path.Combine(Repo.Root, "bootstrap-config.yaml"), Path.Combine(temp.Path, "bootstrap-config.yaml"));
        foreach (var dir in new[] { "infrastructure", "apps", "clusters" }) Repo.CopyDirectory(Path.Combine(Repo.Root, dir), Path.Combine(temp.Path, dir));
        return temp.Path;
    }

    public static void Edit(string root, string relative, Func<string, string> change)
    {
        var path = Path.Combine(root, relative);
        var before = File.ReadAllText(path);
        var after = change(before);
        if (after == before) throw new InvalidOperationException($"the edit of {relative} changed nothing");
        File.WriteAllText(path, after);
    }
}
