using System.Net;
using System.Net.Sockets;
using System.Text;
using HomeOps.Compile.Network;
using HomeOps.Compile.Repository;
using HomeOps.Model.Network;

namespace HomeOps.Compile.Bgp;

/// <summary>
/// A LoadBalancer Service's address: requested (annotation / loadBalancerIP) or what LB-IPAM would hand
/// out. <paramref name="Assigned"/> is false for a requested address no pool selecting the Service
/// holds: LB-IPAM leaves the Service pending, yet the address is still what the operator expects to reach.
/// </summary>
public sealed record LbAddress(LbService Service, IPAddress Address, bool Requested, bool Assigned = true)
{
    public IPNetwork Route => new(Address, Address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32);
}

/// <summary>
/// What the cluster should announce, worked out the way Cilium would: addresses per Service, and per
/// session the host routes the node sends (peer config family → advertisements it selects → entries
/// of type Service/LoadBalancerIP whose selector matches the Service). Pure; the lab and `diagnose
/// bgp` compare real speakers against it.
/// </summary>
public sealed record LabPlan(BgpTopology Topology, IReadOnlyList<LbAddress> Addresses, IReadOnlyDictionary<BgpSession, IReadOnlyList<IPNetwork>> Announced)
{
    /// <summary>Every LoadBalancer address: what the router should learn.</summary>
    public IReadOnlyList<IPNetwork> Expected => Addresses.Select(a => a.Route).Distinct().ToList();

    public static LabPlan From(RepoModel repo)
    {
        var topology = BgpTopology.From(repo);
        var network = NetworkPlan.Of(repo);
        var bgp = BgpPlan.Of(repo);
        var addresses = Assign(network);
        var announced = new Dictionary<BgpSession, IReadOnlyList<IPNetwork>>();
        foreach (var session in topology.Sessions)
        {
            var afi = session.IsV6 ? "ipv6" : "ipv4";
            // the family the router negotiates is the transport's own (RouterConfig); Cilium announces through the peer config's family of that afi
            var families = session.Config?.Families.Where(f => f.Afi == afi).ToList() ?? [];
            announced[session] = addresses
                .Where(a => a.Assigned && (a.Address.AddressFamily == AddressFamily.InterNetworkV6) == session.IsV6 && session.ActivatesOwnFamily)
                .Where(a => families.Any(f => bgp.Advertisements.Any(ad => BgpPlan.Selects(f, ad) && ad.Entries.Any(e =>
                    e.Type == "Service" && e.ServiceAddresses.Contains("LoadBalancerIP")
                    && LabelSelector.Matches(e.Selector, a.Service.SelectorLabels, LabelSelector.WhenEmpty.SelectsNothing)))))
                .Select(a => a.Route).Distinct().ToList();
        }
        return new LabPlan(topology, addresses, announced);
    }

    /// <summary>
    /// LB-IPAM as the lab models it: a requested address when the Service has one of that family
    /// (and a pool selecting the Service contains it); otherwise the lowest free address of the
    /// first pool (by name) that selects the Service and has that family. Services are taken in
    /// namespace/description order. A real cluster may hand out other free addresses; only the
    /// requested ones are fixed.
    /// </summary>
    public static IReadOnlyList<LbAddress> Assign(NetworkPlan network)
    {
        var result = new List<LbAddress>();
        var used = new HashSet<IPAddress>(network.Services.SelectMany(s => s.Requested).Select(r => r.Address).OfType<IPAddress>());
        foreach (var service in network.Services.OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Description, StringComparer.Ordinal))
        {
            var pools = network.PoolsFor(service).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
            foreach (var v6 in network.AssignedFamilies(service))
            {
                var requested = service.Requested.Select(r => r.Address).OfType<IPAddress>().Where(a => (a.AddressFamily == AddressFamily.InterNetworkV6) == v6).ToList();
                if (requested.Count > 0)
                {
                    // LB-IPAM refuses a requested address no selecting pool holds: the Service stays pending
                    result.AddRange(requested.Select(a => new LbAddress(service, a, true, pools.Any(p => p.Blocks.Any(b => b.Range.Contains(a))))));
                    continue;
                }
                if (FirstFree(pools.SelectMany(p => p.Blocks).Where(b => b.Range.IsV6 == v6).Select(b => b.Range), used) is { } free)
                {
                    used.Add(free);
                    result.Add(new LbAddress(service, free, false));
                }
            }
        }
        return result;
    }

    private static IPAddress? FirstFree(IEnumerable<IpRange> ranges, HashSet<IPAddress> used)
    {
        foreach (var range in ranges)
            for (var (a, i) = (range.First, 0); i < 65536; a = Next(a), i++)
            {
                if (!used.Contains(a)) return a;
                if (a.Equals(range.Last)) break;
            }
        return null;
    }

    private static IPAddress Next(IPAddress a)
    {
        var bytes = a.GetAddressBytes();
        for (var i = bytes.Length - 1; i >= 0 && ++bytes[i] == 0; i--) { }
        return new IPAddress(bytes);
    }

    /// <summary>
    /// GoBGP's configuration for one node (TOML): the cluster ASN, no listening port (Cilium only
    /// dials out), one neighbor per session with the peer config's timers and families, and an
    /// export policy per neighbor that lets out exactly the routes Cilium would announce to it.
    /// The routes themselves are added to the global RIB through the API once gobgpd runs.
    /// </summary>
    public string GoBgpConfig(BgpNode node)
    {
        var text = new StringBuilder();
        void Line(string line) => text.Append(line).Append('\n');
        var sessions = Topology.Sessions.Where(s => s.Node == node).ToList();
        var routerId = node.Addresses.FirstOrDefault(a => !a.IsV6)?.Address ?? IPAddress.Parse("192.0.2.1");
        Line("[global.config]");
        Line($"  as = {Topology.ClusterAsn}");
        Line($"  router-id = \"{routerId}\"");
        Line("  port = -1");
        foreach (var (session, i) in sessions.Select((s, i) => (s, i)))
        {
            Line("[[neighbors]]");
            Line("  [neighbors.config]");
            Line($"    neighbor-address = \"{session.RouterAddress}\"");
            Line($"    peer-as = {session.Peer.PeerAsn!.Value}");
            Line("  [neighbors.transport.config]");
            Line($"    local-address = \"{session.NodeAddress}\"");
            var timers = session.Config?.Timers ?? new BgpTimers(null, null, null);
            Line("  [neighbors.timers.config]");
            Line($"    connect-retry = {timers.ConnectRetrySeconds ?? 120}");
            Line($"    hold-time = {timers.HoldSeconds ?? 90}");
            Line($"    keepalive-interval = {timers.KeepAliveSeconds ?? 30}");
            foreach (var afi in session.Afis.Where(a => a is "ipv4" or "ipv6"))
            {
                Line("  [[neighbors.afi-safis]]");
                Line("    [neighbors.afi-safis.config]");
                Line($"      afi-safi-name = \"{afi}-unicast\"");
            }
            Line("  [neighbors.apply-policy.config]");
            if (Announced[session].Count > 0) Line($"    export-policy-list = [\"to-router-{i}\"]");
            Line("    default-export-policy = \"reject-route\"");
        }
        foreach (var (session, i) in sessions.Select((s, i) => (s, i)).Where(x => Announced[x.s].Count > 0))
        {
            Line("[[defined-sets.prefix-sets]]");
            Line($"  prefix-set-name = \"to-router-{i}\"");
            foreach (var route in Announced[session])
            {
                Line("  [[defined-sets.prefix-sets.prefix-list]]");
                Line($"    ip-prefix = \"{route}\"");
            }
        }
        foreach (var (session, i) in sessions.Select((s, i) => (s, i)).Where(x => Announced[x.s].Count > 0))
        {
            Line("[[policy-definitions]]");
            Line($"  name = \"to-router-{i}\"");
            Line("  [[policy-definitions.statements]]");
            Line("    [policy-definitions.statements.conditions.match-prefix-set]");
            Line($"      prefix-set = \"to-router-{i}\"");
            Line("    [policy-definitions.statements.actions]");
            Line("      route-disposition = \"accept-route\"");
        }
        return text.ToString();
    }

    /// <summary>The routes a node originates: everything it announces to any of its peers.</summary>
    public IReadOnlyList<IPNetwork> Originated(BgpNode node) =>
        Topology.Sessions.Where(s => s.Node == node).SelectMany(s => Announced[s]).Distinct().ToList();
}
