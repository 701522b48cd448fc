using System.Net;
using System.Net.Sockets;
using HomeOps.Compile.Network;
using HomeOps.Compile.Repository;
using HomeOps.Compile.Talhelper;
using HomeOps.Model;
using HomeOps.Model.Network;

namespace HomeOps.Compile.Bgp;

/// <summary>A node address and the subnet it sits in (from talconfig's interface addresses).</summary>
public sealed record NodeAddress(IPAddress Address, IPNetwork Network)
{
    public bool IsV6 => Address.AddressFamily == AddressFamily.InterNetworkV6;
}

/// <summary>A node that opens BGP sessions: its hostname, the labels Cilium's nodeSelector sees, its addresses.</summary>
public sealed record BgpNode(string Hostname, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<NodeAddress> Addresses);

/// <summary>
/// One BGP session as the router sees it: a ClusterConfig peer (the router's address) and one node
/// address of the same family. Families are the AFIs the peer config negotiates (Cilium's default
/// when the peer config is missing: ipv4 and ipv6 unicast, nothing advertised).
/// </summary>
public sealed record BgpSession(BgpNode Node, IPAddress NodeAddress, IPAddress RouterAddress, BgpPeer Peer, BgpPeerConfig? Config)
{
    public bool IsV6 => RouterAddress.AddressFamily == AddressFamily.InterNetworkV6;

    public IEnumerable<string> Afis => Config?.Families.Select(f => f.Afi).Distinct() ?? ["ipv4", "ipv6"];

    /// <summary>The family the router activates on this neighbor: the transport's own, when the peer config negotiates it.</summary>
    public bool ActivatesOwnFamily => Afis.Contains(IsV6 ? "ipv6" : "ipv4");
}

/// <summary>
/// The BGP picture of the cluster from the router's side, built from talconfig.yaml (nodes, their
/// addresses and labels) and the GitOps tree (CiliumBGPClusterConfig peers, CiliumBGPPeerConfig
/// families/timers, CiliumLoadBalancerIPPool blocks). Nothing here is typed a second time.
/// </summary>
public sealed record BgpTopology(
    long RouterAsn,
    long ClusterAsn,
    IPAddress RouterId,
    IReadOnlyList<IPAddress> RouterAddresses,
    IReadOnlyList<BgpNode> Nodes,
    IReadOnlyList<BgpSession> Sessions,
    IReadOnlyList<IpRange> PoolRanges,
    IReadOnlyList<string> Notes)
{
    public const string Rule = "bgp/router-config";

    /// <summary>
    /// A router ASN bootstrap-config.yaml states (a key routerASN anywhere in it): what the operator says the
    /// real router runs with. Optional; bgp/asn-mismatch reports it when it differs from the peerASN.
    /// </summary>
    public static long? StatedRouterAsn(RepoModel repo)
    {
        static long? Find(System.Text.Json.Nodes.JsonNode? node) => node switch
        {
            System.Text.Json.Nodes.JsonObject o => o.Select(p => string.Equals(p.Key, "routerASN", StringComparison.OrdinalIgnoreCase)
                && p.Value is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<long>(out var asn) ? asn : Find(p.Value)).FirstOrDefault(a => a is not null),
            System.Text.Json.Nodes.JsonArray a => a.Select(Find).FirstOrDefault(x => x is not null),
            _ => null,
        };
        return Find(repo.Bootstrap);
    }

    public static BgpTopology From(RepoModel repo)
    {
        var bgp = BgpPlan.Of(repo);
        var network = NetworkPlan.Of(repo);
        var errors = new List<Finding>();
        var notes = new List<string>();
        var file = SourceLocation.InFile("infrastructure");
        if (!bgp.HasClusterConfig) throw new HomeOpsException(Finding.Error(Rule, file, "no CiliumBGPClusterConfig in the GitOps tree: there is no BGP session to configure a router for"));
        if (repo.Talos is not { } talos) throw new HomeOpsException(Finding.Error(Rule, SourceLocation.InFile("talconfig.yaml"), "talconfig.yaml is missing or invalid: the node addresses come from it (run `homeops validate`)"));

        var peers = new List<(BgpPeer Peer, IPAddress Address)>();
        foreach (var peer in bgp.Peers)
        {
            if (peer.Address is not { } text || !Cidr.TryParseAddress(text.Value, out var address))
            {
                notes.Add($"{peer.Description}: no usable peerAddress, skipped");
                continue;
            }
            if (peer.PeerAsn is null || peer.LocalAsn is null)
            {
                errors.Add(Finding.Error(Rule, text.Location, $"{peer.Description} lacks {(peer.PeerAsn is null ? "peerASN" : "its instance's localASN")}"));
                continue;
            }
            peers.Add((peer, address));
        }
        var routerAsns = peers.Select(p => p.Peer.PeerAsn!.Value).Distinct().ToList();
        var clusterAsns = peers.Select(p => p.Peer.LocalAsn!.Value).Distinct().ToList();
        if (routerAsns.Count > 1)
            errors.Add(Finding.Error(Rule, peers[0].Peer.PeerAsn!.Location, $"the peers name {routerAsns.Count} router ASNs ({string.Join(", ", routerAsns)}); one router config needs one",
                "homeops generates the config of the one router every peer points at; see bgp/asn-mismatch"));
        if (clusterAsns.Count > 1)
            errors.Add(Finding.Error(Rule, peers[0].Peer.LocalAsn!.Location, $"the BGP instances use {clusterAsns.Count} local ASNs ({string.Join(", ", clusterAsns)}); the router config expects one cluster ASN"));
        if (peers.Count == 0 && bgp.HasClusterConfig)
            errors.Add(Finding.Error(Rule, file, "no CiliumBGPClusterConfig peer has a peerAddress, peerASN and localASN"));
        var routerId = peers.Select(p => p.Address).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
        if (peers.Count > 0 && routerId is null)
            errors.Add(Finding.Error(Rule, peers[0].Peer.Address!.Location, "no IPv4 peerAddress: the router ID (an IPv4 address) is taken from it"));
        if (errors.Count > 0) throw new HomeOpsException(errors);

        var nodes = talos.Nodes.Select(NodeOf).ToList();
        var sessions = new List<BgpSession>();
        foreach (var (peer, routerAddress) in peers)
        {
            var config = bgp.PeerConfigs.FirstOrDefault(c => c.Name == peer.PeerConfig?.Value);
            if (peer.PeerConfig is { } name && config is null) notes.Add($"{peer.Description}: peer config {name.Value} not found; Cilium's default (ipv4 + ipv6 unicast, nothing advertised) assumed");
            foreach (var node in nodes.Where(n => LabelSelector.Matches(peer.NodeSelector, n.Labels, LabelSelector.WhenEmpty.SelectsAll)))
            {
                var family = node.Addresses.Where(a => a.Address.AddressFamily == routerAddress.AddressFamily).ToList();
                // the kernel picks the source address: the one on the router's subnet
                var source = family.FirstOrDefault(a => a.Network.Contains(routerAddress)) ?? family.FirstOrDefault();
                if (source is null) notes.Add($"{node.Hostname} has no {(routerAddress.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4")} address: no session to {routerAddress}");
                else if (sessions.All(s => !(s.NodeAddress.Equals(source.Address) && s.RouterAddress.Equals(routerAddress))))
                    sessions.Add(new BgpSession(node, source.Address, routerAddress, peer, config));
            }
        }
        var ranges = network.Pools.Where(p => !p.Disabled).SelectMany(p => p.Blocks).Select(b => b.Range).ToList();
        return new BgpTopology(routerAsns[0], clusterAsns[0], routerId!, peers.Select(p => p.Address).Distinct().ToList(), nodes, sessions, ranges, notes);
    }

    /// <summary>The labels a Talos node carries that a nodeSelector can match: its nodeLabels, hostname and role.</summary>
    private static BgpNode NodeOf(ResolvedNode node)
    {
        var labels = new Dictionary<string, string>(node.Settings.NodeLabels ?? []) { ["kubernetes.io/hostname"] = node.Hostname };
        if (node.ControlPlane) labels["node-role.kubernetes.io/control-plane"] = "";
        var addresses = new List<NodeAddress>();
        foreach (var nic in node.Settings.NetworkInterfaces ?? [])
            foreach (var text in nic.Addresses ?? [])
                if (Cidr.TryParseInterface(text, out var address, out var network) && addresses.All(a => !a.Address.Equals(address)))
                    addresses.Add(new NodeAddress(address, network));
        if (Cidr.TryParseAddress(node.Node.IpAddress, out var ip) && addresses.All(a => !a.Address.Equals(ip)))
            addresses.Insert(0, new NodeAddress(ip, new IPNetwork(ip, ip.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32)));
        return new BgpNode(node.Hostname, labels, addresses);
    }
}
