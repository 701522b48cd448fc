using HomeOps.Compile.Bgp;
using HomeOps.Compile.Network;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Network;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Bgp;

/// <summary>
/// bgp/peer-unreachable: Cilium's default is single-hop eBGP (TTL 1), so a peer must sit in a
/// subnet the nodes' interfaces are on. Peers whose CiliumBGPPeerConfig sets ebgpMultihop above 1
/// are meant to be reached through a router and are not checked. A peer at a node's address or
/// the VIP is the cluster itself, never the router: no session with the router comes up.
/// </summary>
public sealed class PeerReachabilityRules : IRuleSet
{
    public const string Id = "bgp/peer-unreachable";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(Id, Severity.Error, "A BGP peer address outside every node subnet (talconfig interface addresses), so single-hop sessions cannot come up, or one the cluster itself holds (a node's address, the VIP)."),
    ];

    /// <summary>Each cluster the repository describes on its own (objects of one cluster never satisfy or clash with another's).</summary>
    public void Check(RepoModel repo, RuleContext context)
    {
        foreach (var cluster in repo.Clusters) CheckCluster(repo, cluster, context);
    }

    private static void CheckCluster(RepoModel repo, ClusterView cluster, RuleContext context)
    {
        var talos = NetworkPlan.Of(repo, cluster).Talos;
        var nodes = talos.NodeNetworks;
        if (nodes.Count == 0) return;
        var bgp = BgpPlan.Of(cluster);
        foreach (var peer in bgp.Peers)
        {
            if (peer.Address is not { } address) continue; // auto-discovered peers have no address to check
            if (bgp.PeerConfigs.FirstOrDefault(c => c.Name == peer.PeerConfig?.Value) is { EbgpMultihop: > 1 }) continue;
            if (!Cidr.TryParseAddress(address.Value, out var ip))
                context.Report(Id, address.Location, $"{peer.Description} peerAddress '{address.Value}' is not an IP address", "write the router's address, e.g. 172.29.51.1");
            else if (!nodes.Any(n => n.Range.Contains(ip)))
                context.Report(Id, address.Location,
                    $"{peer.Description} peerAddress {ip} is in no node subnet ({string.Join(", ", nodes.Where(n => n.Range.IsV6 == (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)).Select(n => n.Range))})",
                    "peer with the router's address on the node VLAN, or set ebgpMultihop in the CiliumBGPPeerConfig if the peer really is routed");
            else if (talos.NodeAddresses.Concat(talos.Vips).FirstOrDefault(a => a.Address.Equals(ip)) is { } taken)
                context.Report(Id, address.Location, $"{peer.Description} peerAddress {ip} is the cluster's own {taken.Name}",
                    "peer with the router's own address on the node network (often the gateway)");
        }
    }
}
