using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using HomeOps.Model;
using HomeOps.Model.Init;
using HomeOps.Model.Network;
using HomeOps.Model.Yaml;

namespace HomeOps.Compile.Init;

/// <summary>
/// Everything `homeops init` refuses before it writes a file. Each finding names the spec field
/// (rule ids spec/*, documented in docs/getting-started.md) and what to write instead.
/// </summary>
public sealed partial class SpecChecks
{
    // kube-apiserver refuses a service range with more than 20 host bits (maxCIDRBits in
    // cmd/kube-apiserver/app/options/validation.go, kubernetes v1.31.1).
    private const int MaxServiceHostBits = 20;

    // Cilium runs with ipam.mode kubernetes (infrastructure/cilium/values.yaml): each node's pod range is the one the
    // controller manager allocates, a /24 of the IPv4 pod range by default (defaultNodeMaskCIDRIPv4 = 24 in
    // cmd/kube-controller-manager/app/core.go, kubernetes v1.31.1).
    private const int PodPrefixPerNode = 24;

    private readonly ClusterSpec _spec;
    private readonly FindingBag _findings;

    private SpecChecks(ClusterSpec spec, FindingBag findings)
    {
        _spec = spec;
        _findings = findings;
    }

    public static void Check(ClusterSpec spec, FindingBag findings) => new SpecChecks(spec, findings).Run();

    [GeneratedRegex(@"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", RegexOptions.IgnoreCase)]
    private static partial Regex MacPattern();

    /// <summary>Six hex pairs joined by ':' (the form spec nodes[].mac takes; init's prompt asks the same).</summary>
    public static bool IsMac(string text) => MacPattern().IsMatch(text);

    [GeneratedRegex(@"^https://[^\s/]+/\S+$")]
    private static partial Regex GitUrlPattern();

    /// <summary>ssh://git@host/path or git's scp form git@host:path.</summary>
    [GeneratedRegex(@"^(ssh://[^\s@/]+@(?<host>[^\s/:]+)(:\d+)?/(?<path>\S+)|[\w.-]+@(?<host>[\w.-]+):(?<path>[^/\s]\S*))$")]
    private static partial Regex SshGitUrlPattern();

    private void Run()
    {
        CheckCluster();
        CheckDomains();
        var network = _spec.Network;
        var nodeNet = Network(network, "nodeCidr", network.NodeCidr, AddressFamily.InterNetwork);
        var pods = Network(network, "podCidr", network.PodCidr, AddressFamily.InterNetwork);
        var services = Network(network, "serviceCidr", network.ServiceCidr, AddressFamily.InterNetwork);
        var gateway = HostIn(network, "gateway", network.Gateway, nodeNet);
        var vip = HostIn(network, "vip", network.Vip, nodeNet);
        if (vip is not null && vip.Equals(gateway))
            Error("spec/vip", network, "vip", $"vip {vip} is the gateway's address", "pick a free address in the node network for the VIP");
        CheckVlanAndMtu(network);
        foreach (var (server, i) in network.Nameservers.Select((s, i) => (s, i)))
            if (!Cidr.TryParseAddress(server, out _))
                Error("spec/address", network, "nameservers", $"nameservers[{i}] '{server}' is not an IP address", "write an address such as 1.1.1.1, or leave nameservers out to use the gateway");

        var ipv6 = CheckIpv6(network);
        CheckNodes(nodeNet, gateway, vip, ipv6);
        var lb = CheckLoadBalancer(nodeNet, vip);
        var v6 = network.Ipv6;
        CheckOverlaps([new(network, "nodeCidr", "network.nodeCidr", nodeNet), new(network, "podCidr", "network.podCidr", pods),
            new(network, "serviceCidr", "network.serviceCidr", services), new(v6 ?? (Located)network, "nodeCidr", "network.ipv6.nodeCidr", ipv6?.Nodes),
            new(v6 ?? (Located)network, "podCidr", "network.ipv6.podCidr", ipv6?.Pods), new(v6 ?? (Located)network, "serviceCidr", "network.ipv6.serviceCidr", ipv6?.Services),
            new(_spec.LoadBalancer, "cidr", "loadBalancer.cidr", _spec.Bgp is null ? null : lb)]);
        CheckSizes(pods, services, ipv6?.Services);
        CheckBgp(nodeNet, ipv6);
        CheckComponents();
        CheckAccounts();
    }

    private void CheckCluster()
    {
        var cluster = _spec.Cluster;
        if (!DnsName.IsLabel(cluster.Name))
            Error("spec/name", cluster, "name", $"cluster name '{cluster.Name}' is not a DNS label", "use lowercase letters, digits and '-', e.g. home-ops");
        foreach (var (key, value, against) in new[] { ("talosVersion", cluster.TalosVersion, "talos"), ("kubernetesVersion", cluster.KubernetesVersion, "kubernetes") })
        {
            if (!ReleaseVersion.TryParse(value, out var version))
                Error("spec/version", cluster, key, $"{key} '{value}' is not a release version", "write it as vMAJOR.MINOR.PATCH, e.g. v1.10.5");
            else
                CheckToolMatrix(key, version, against);
        }
    }

    /// <summary>
    /// The generated bootstrap-config.yaml carries the reference's tool matrix: a version no row covers would give a
    /// repository whose bootstrap refuses every talosctl, kubectl or helm (validate's versions/drift, found only afterwards).
    /// </summary>
    private void CheckToolMatrix(string key, ReleaseVersion version, string against)
    {
        foreach (var tool in ReferenceRepository.Tools.Where(t => t.Against == against))
        {
            if (tool.Supported.Any(row => row.When is null || (VersionRange.TryParse(row.When, out var range) && range.Contains(version)))) continue;
            Error("spec/version", _spec.Cluster, key,
                $"{key} {version}: homeops has checked {tool.Name} only for {string.Join(", ", tool.Supported.Select(r => r.When))} (bootstrap-config.yaml tools), so bootstrap would refuse every {tool.Name}",
                $"pick a version on one of those lines, or add a row to bootstrap-config.yaml's tools once {tool.Name} is checked against {version.Line} (docs/tools.md)");
        }
    }

    private void CheckDomains()
    {
        var domains = _spec.Domains;
        if (!DnsName.IsDomain(domains.Internal))
            Error("spec/domain", domains, "internal", $"internal domain '{domains.Internal}' is not a DNS domain",
                "write lowercase labels joined by dots, e.g. k8s.home.example.com");
        if (domains.External is { } external && !DnsName.IsDomain(external))
            Error("spec/domain", domains, "external", $"external domain '{external}' is not a DNS domain", "write the public zone, e.g. example.com");
    }

    private void CheckVlanAndMtu(SpecNetwork network)
    {
        if (network.Vlan is { } vlan and (< 1 or > 4094))
            Error("spec/vlan", network, "vlan", $"vlan {vlan} is outside 1-4094", "write the VLAN ID the switch port tags the node network with, or leave vlan out for an untagged (access) port");
        // IPv6 needs 1280 (RFC 8200 §5); 9216 is the largest jumbo frame common switches carry.
        var minimum = network.Ipv6 is null ? 576 : 1280;
        if (network.Mtu < minimum || network.Mtu > 9216)
            Error("spec/mtu", network, "mtu", $"mtu {network.Mtu} is outside {minimum}-9216",
                network.Ipv6 is null ? "use 1500, or 9000 for jumbo frames your switch carries" : "IPv6 needs at least 1280; use 1500, or 9000 for jumbo frames");
    }

    private sealed record Ipv6Plan(IPNetwork? Nodes, IPNetwork? Pods, IPNetwork? Services, IPAddress? Gateway);

    private Ipv6Plan? CheckIpv6(SpecNetwork network)
    {
        if (network.Ipv6 is not { } v6) return null;
        var nodes = Network(v6, "nodeCidr", v6.NodeCidr, AddressFamily.InterNetworkV6);
        var gateway = HostIn(v6, "gateway", v6.Gateway, nodes);
        return new Ipv6Plan(nodes, Network(v6, "podCidr", v6.PodCidr, AddressFamily.InterNetworkV6),
            Network(v6, "serviceCidr", v6.ServiceCidr, AddressFamily.InterNetworkV6), gateway);
    }

    private void CheckNodes(IPNetwork? nodeNet, IPAddress? gateway, IPAddress? vip, Ipv6Plan? ipv6)
    {
        if (_spec.Nodes.Count == 0)
        {
            Error("spec/nodes", _spec, "nodes", "no nodes", "list at least one node with hostname, address and installDisk");
            return;
        }
        var hostnames = new HashSet<string>(StringComparer.Ordinal);
        var addresses = new HashSet<IPAddress>();
        var macs = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var node in _spec.Nodes)
        {
            if (!DnsName.IsLabel(node.Hostname))
                Error("spec/hostname", node, "hostname", $"hostname '{node.Hostname}' is not a DNS label", "use lowercase letters, digits and '-', e.g. node01");
            else if (!hostnames.Add(node.Hostname))
                Error("spec/hostname", node, "hostname", $"hostname '{node.Hostname}' is used twice", "give every node its own hostname");
            var address = HostIn(node, "address", node.Address, nodeNet);
            if (address is not null)
            {
                if (!addresses.Add(address))
                    Error("spec/node-address", node, "address", $"{node.Hostname}: address {address} is used twice", "give every node its own address");
                else if (address.Equals(gateway) || address.Equals(vip))
                    Error("spec/node-address", node, "address", $"{node.Hostname}: address {address} is the {(address.Equals(vip) ? "VIP" : "gateway")}",
                        "the VIP floats between control planes and the gateway is the router: pick a free address");
            }
            CheckNodeIpv6(node, ipv6, addresses);
            if (node.Mac is { } mac)
            {
                if (!IsMac(mac))
                    Error("spec/mac", node, "mac", $"{node.Hostname}: mac '{mac}' is not a hardware address", "write six hex pairs joined by ':', e.g. 00:1b:63:84:45:e6");
                else if (!macs.Add(mac))
                    Error("spec/mac", node, "mac", $"{node.Hostname}: mac {mac} is used by another node", "each node's network interface has its own MAC; copy it from `talosctl get links`");
            }
            CheckInstallDisk(node);
        }
        var controlPlanes = _spec.Nodes.Count(n => n.ControlPlane);
        if (controlPlanes == 0)
            Error("spec/nodes", _spec, "nodes", "no node is a control plane", "set controlPlane: true on one node, or on three for a highly available etcd");
        else if (controlPlanes % 2 == 0)
            _findings.Add(Finding.Warning("spec/nodes", _spec.LocationOf("nodes"),
                $"{controlPlanes} control planes: etcd tolerates no more failures than with {controlPlanes - 1}",
                "run an odd number of control planes (1, 3 or 5)"));
    }

    private void CheckNodeIpv6(SpecNode node, Ipv6Plan? ipv6, HashSet<IPAddress> addresses)
    {
        if (ipv6 is null)
        {
            if (node.Ipv6Address is not null)
                Error("spec/dual-stack", node, "ipv6Address", $"{node.Hostname} has an IPv6 address but network.ipv6 is not set",
                    "dual-stack is all or nothing: add network.ipv6 (nodeCidr, gateway, podCidr, serviceCidr) or remove ipv6Address");
            return;
        }
        if (node.Ipv6Address is null)
        {
            Error("spec/dual-stack", node, "hostname", $"{node.Hostname} has no ipv6Address but the cluster is dual-stack",
                "dual-stack is all or nothing: give every node an ipv6Address in network.ipv6.nodeCidr");
            return;
        }
        var address = HostIn(node, "ipv6Address", node.Ipv6Address, ipv6.Nodes);
        if (address is not null && (!addresses.Add(address) || address.Equals(ipv6.Gateway)))
            Error("spec/node-address", node, "ipv6Address", $"{node.Hostname}: IPv6 address {address} is already taken", "give every node its own IPv6 address");
    }

    private void CheckInstallDisk(SpecNode node)
    {
        var disk = node.InstallDisk;
        var given = new[] { disk.Model, disk.Serial, disk.Path }.Count(v => !string.IsNullOrEmpty(v));
        if (given != 1)
            Error("spec/install-disk", disk, "model", $"{node.Hostname}: installDisk needs exactly one of model, serial, path (has {given})",
                "write one: installDisk: { model: \"Samsung SSD 870*\" } (survives re-cabling), { serial: S4EVNF0M123456 } or { path: /dev/nvme0n1 }");
        else if (disk.Path is { } path && !path.StartsWith("/dev/", StringComparison.Ordinal))
            Error("spec/install-disk", disk, "path", $"{node.Hostname}: installDisk path '{path}' is not a device", "write a device path such as /dev/nvme0n1");
    }

    private IPNetwork? CheckLoadBalancer(IPNetwork? nodeNet, IPAddress? vip)
    {
        var lb = _spec.LoadBalancer;
        var cidr = Network(lb, "cidr", lb.Cidr, AddressFamily.InterNetwork);
        if (cidr is { } routed && nodeNet is { } nodes)
        {
            var inside = nodes.Contains(routed.BaseAddress) && routed.PrefixLength >= nodes.PrefixLength;
            if (_spec.Bgp is not null && Cidr.Overlaps(routed, nodes))
                Error("spec/lb-cidr", lb, "cidr", $"loadBalancer.cidr {routed} overlaps the node network {nodes}",
                    "with BGP the router routes the LB range to the nodes: give it its own range outside the node network, e.g. the next /24");
            else if (_spec.Bgp is null && !inside)
                Error("spec/lb-cidr", lb, "cidr", $"loadBalancer.cidr {routed} is outside the node network {nodes}",
                    "without BGP the addresses are announced on the node network (L2): pick a range inside it, or add a bgp section");
        }
        var pools = new List<(SpecPool Pool, IpRange Range)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pool in lb.Pools)
        {
            if (!DnsName.IsLabel(pool.Name))
                Error("spec/pool", pool, "name", $"pool name '{pool.Name}' is not a DNS label", "use lowercase letters, digits and '-', e.g. default");
            // the pool's object name ("bgp-" or "l2-" + name) is also a label value, which Kubernetes caps at 63 characters
            else if (pool.Name.Length > 59)
                Error("spec/pool", pool, "name", $"pool name '{pool.Name}' is {pool.Name.Length} characters; with its bgp-/l2- prefix it would not fit a label value (63)", "shorten it to 59 characters or fewer");
            else if (!names.Add(pool.Name))
                Error("spec/pool", pool, "name", $"pool name '{pool.Name}' is used twice", "give every pool its own name");
            if (!IpRange.TryParse(pool.Range, out var range) || range.IsV6)
            {
                Error("spec/pool", pool, "range", $"pool {pool.Name}: '{pool.Range}' is not an IPv4 range", "write first-last (192.168.1.200-192.168.1.239) with first ≤ last, or a CIDR");
                continue;
            }
            if (cidr is { } c && !IpRange.Of(c).Contains(range))
                Error("spec/pool", pool, "range", $"pool {pool.Name} ({range}) is not inside loadBalancer.cidr {c}", "move the pool into the LB range, or widen loadBalancer.cidr");
            if (vip is not null && range.Contains(vip))
                Error("spec/pool", pool, "range", $"pool {pool.Name} ({range}) holds the VIP {vip}", "leave the VIP out of every pool: Cilium would hand it to a Service");
            if (_spec.Bgp is null && nodeNet is { } n)
                // announced on the node network, a pool must leave every address already in use there alone: Cilium
                // would hand it to a Service and answer ARP for it
                foreach (var (what, address) in OnLinkAddresses(n))
                    if (range.Contains(address))
                        Error("spec/pool", pool, "range", $"pool {pool.Name} ({range}) holds {what} {address}",
                            "without BGP the pools share the node network: keep the gateway, nameservers, nodes and the network and broadcast addresses out of them");
            foreach (var (other, otherRange) in pools)
                if (range.Overlaps(otherRange))
                    Error("spec/pool", pool, "range", $"pool {pool.Name} ({range}) overlaps pool {other.Name} ({otherRange})", "pools must not share addresses: split the range");
            pools.Add((pool, range));
        }
        if (lb.Pools.Count == 0)
            Error("spec/pool", lb, "pools", "no load-balancer pools", "add at least one pool, e.g. name: default, range: 192.168.1.200-192.168.1.239");
        if (Cidr.TryParseAddress(lb.IngressAddress, out var ingress))
        {
            if (pools.Count > 0 && !pools.Any(p => p.Range.Contains(ingress)))
                Error("spec/ingress-address", lb, "ingressAddress", $"ingressAddress {ingress} is in no pool", "pick an address from one of the pools so LB-IPAM can assign it");
        }
        else
            Error("spec/ingress-address", lb, "ingressAddress", $"ingressAddress '{lb.IngressAddress}' is not an IP address", "write one address from a pool, e.g. 192.168.1.200");
        if (lb.PublicIngressAddress is { } publicText)
        {
            if (!Cidr.TryParseAddress(publicText, out var publicIngress))
                Error("spec/ingress-address", lb, "publicIngressAddress", $"publicIngressAddress '{publicText}' is not an IP address", "write one address from a pool, e.g. 192.168.1.201");
            else if (publicIngress.Equals(ingress))
                Error("spec/ingress-address", lb, "publicIngressAddress", $"publicIngressAddress {publicIngress} is the internal ingress's address too", "the two ingresses need one address each");
            else if (pools.Count > 0 && !pools.Any(p => p.Range.Contains(publicIngress)))
                Error("spec/ingress-address", lb, "publicIngressAddress", $"publicIngressAddress {publicIngress} is in no pool", "pick an address from one of the pools so LB-IPAM can assign it");
        }
        if (lb.Ipv6Cidr is { } v6)
        {
            // Documentation/network/l2-announcements.rst (cilium v1.17): "does not support IPv6/NDP"
            if (_spec.Bgp is null)
                Error("spec/dual-stack", lb, "ipv6Cidr", "loadBalancer.ipv6Cidr is set without BGP: Cilium 1.17's L2 announcements answer ARP only, never NDP, so no IPv6 LoadBalancer address would be reachable",
                    "remove loadBalancer.ipv6Cidr (Services then get IPv4 addresses only), or route the LB ranges with bgp");
            if (_spec.Network.Ipv6 is null)
                Error("spec/dual-stack", lb, "ipv6Cidr", "loadBalancer.ipv6Cidr is set but network.ipv6 is not", "dual-stack is all or nothing: add network.ipv6 or remove ipv6Cidr");
            Network(lb, "ipv6Cidr", v6, AddressFamily.InterNetworkV6);
        }
        return cidr;
    }

    /// <summary>The IPv4 addresses of the node network that are taken: its network and broadcast addresses, the gateway, nameservers, nodes.</summary>
    private IEnumerable<(string What, IPAddress Address)> OnLinkAddresses(IPNetwork nodes)
    {
        var whole = IpRange.Of(nodes);
        yield return ("the node network's own address", whole.First);
        yield return ("the node network's broadcast address", whole.Last);
        var named = new List<(string, string)> { ("the gateway", _spec.Network.Gateway) };
        named.AddRange(_spec.Network.Nameservers.Select(n => ("nameserver", n)));
        named.AddRange(_spec.Nodes.Select(n => ($"node {n.Hostname}'s address", n.Address)));
        foreach (var (what, text) in named)
            if (Cidr.TryParseAddress(text, out var address) && nodes.Contains(address))
                yield return (what, address);
    }

    private sealed record Range(Located Owner, string Key, string Field, IPNetwork? Network);

    /// <summary>Each overlap is reported once, at the later of the two fields.</summary>
    private void CheckOverlaps(IReadOnlyList<Range> ranges)
    {
        for (var i = 0; i < ranges.Count; i++)
            for (var j = i + 1; j < ranges.Count; j++)
                if (ranges[i].Network is { } a && ranges[j].Network is { } b && Cidr.Overlaps(a, b))
                    Error("spec/overlap", ranges[j].Owner, ranges[j].Key, $"{ranges[j].Field} {b} overlaps {ranges[i].Field} {a}",
                        "node, pod, service and routed LB ranges must be disjoint: move one of them");
    }

    private void CheckSizes(IPNetwork? pods, IPNetwork? services, IPNetwork? services6)
    {
        var network = _spec.Network;
        var nodes = Math.Max(1, _spec.Nodes.Count);
        if (pods is { } p && p.PrefixLength > PodPrefixPerNode - (int)Math.Ceiling(Math.Log2(nodes)))
            Error("spec/pod-cidr", network, "podCidr", $"podCidr {p} cannot give each of {nodes} node(s) the /{PodPrefixPerNode} Cilium allocates per node",
                "use a larger range such as 10.244.0.0/16");
        foreach (var (field, located, net) in new[] { ("serviceCidr", (Located)network, services), ("serviceCidr", network.Ipv6, services6) })
            if (net is { } s && (Cidr.IsV6(s) ? 128 : 32) - s.PrefixLength > MaxServiceHostBits)
                Error("spec/service-cidr", located!, field, $"serviceCidr {s} is larger than the API server accepts ({MaxServiceHostBits} host bits)",
                    Cidr.IsV6(s) ? "use a /108 or smaller, e.g. fd00:10:96::/108" : "use a /12 or smaller, e.g. 10.96.0.0/12");
    }

    private void CheckBgp(IPNetwork? nodeNet, Ipv6Plan? ipv6)
    {
        if (_spec.Bgp is not { } bgp) return;
        if (bgp.ClusterAsn is null || bgp.RouterAsn is null)
        {
            Error("spec/bgp", bgp, bgp.ClusterAsn is null ? "routerASN" : "clusterASN", "bgp needs both clusterASN and routerASN",
                "set both (e.g. clusterASN: 64512, routerASN: 64513), or remove the bgp section to announce on the node network instead");
            return;
        }
        foreach (var (key, asn) in new[] { ("clusterASN", bgp.ClusterAsn.Value), ("routerASN", bgp.RouterAsn.Value) })
            if (!IsPrivateAsn(asn))
                Error("spec/asn", bgp, key, $"{key} {asn} is not a private ASN",
                    "use one from 64512-65534 or 4200000000-4294967294 (RFC 6996), unless your provider assigned you one");
        if (bgp.ClusterAsn == bgp.RouterAsn)
            Error("spec/asn", bgp, "clusterASN", $"clusterASN and routerASN are both {bgp.ClusterAsn}",
                "the cluster peers with the router over eBGP: give each its own ASN");
        if (bgp.RouterAddress is { } router)
            NotTakenByTheCluster("routerAddress", HostIn(bgp, "routerAddress", router, nodeNet, "the nodes peer with the router directly: use its address on the node network (often the gateway)"),
                _spec.Nodes.Select(n => ($"node {n.Hostname}'s address", n.Address)).Append(("the VIP", _spec.Network.Vip)));
        if (ipv6 is not null && bgp.RouterAddressV6 is { } v6)
            NotTakenByTheCluster("routerAddressV6", HostIn(bgp, "routerAddressV6", v6, ipv6.Nodes, "use the router's address on the IPv6 node network (often the IPv6 gateway)"),
                _spec.Nodes.Select(n => ($"node {n.Hostname}'s address", n.Ipv6Address ?? "")));
        else if (ipv6 is null && bgp.RouterAddressV6 is not null)
            Error("spec/dual-stack", bgp, "routerAddressV6", "bgp.routerAddressV6 is set but network.ipv6 is not", "dual-stack is all or nothing: add network.ipv6 or remove routerAddressV6");
    }

    /// <summary>The BGP peer is the router: a node or the VIP at its address would peer with the cluster itself.</summary>
    private void NotTakenByTheCluster(string key, IPAddress? router, IEnumerable<(string Holder, string Address)> taken)
    {
        if (router is null) return;
        foreach (var (holder, text) in taken)
            if (Cidr.TryParseAddress(text, out var address) && address.Equals(router))
                Error("spec/bgp", _spec.Bgp!, key, $"bgp.{key} {router} is {holder}",
                    "write the router's own address on the node network (often the gateway), not one the cluster uses");
    }

    private void CheckComponents()
    {
        var components = _spec.Components;
        if (components.Longhorn && string.IsNullOrWhiteSpace(_spec.Storage.SsdModel))
            Error("spec/storage", _spec.Storage, "ssdModel", "Longhorn is on but storage.ssdModel is not set",
                "write the data SSD's model as `talosctl get disks` prints it (e.g. Portable SSD T5), or set components.longhorn: false");
        if (components.CloudflareTunnel && _spec.Domains.External is null)
            Error("spec/components", components, "cloudflareTunnel", "the Cloudflare tunnel needs domains.external",
                "add your public zone as domains.external, or set components.cloudflareTunnel: false");
        if (components.CloudflareTunnel && _spec.LoadBalancer.PublicIngressAddress is null)
            Error("spec/components", components, "cloudflareTunnel", "the Cloudflare tunnel sends to the public ingress, which has no address",
                "set loadBalancer.publicIngressAddress to a free address of a pool, or set components.cloudflareTunnel: false");
        if (!components.CloudflareTunnel && _spec.LoadBalancer.PublicIngressAddress is { } unused)
            // the public ingress controller goes with the tunnel: the address would be written down for nothing
            Error("spec/components", _spec.LoadBalancer, "publicIngressAddress", $"publicIngressAddress {unused} is set but the Cloudflare tunnel is off, and the public ingress comes only with it",
                "remove loadBalancer.publicIngressAddress, or set components.cloudflareTunnel: true");
        // Authentik's own pages are published on the external domain through the tunnel, and its database asks for Longhorn storage.
        if (components.Sso && !components.CloudflareTunnel)
            Error("spec/components", components, "sso", "Authentik SSO is on but the Cloudflare tunnel is not: Authentik is reached as authentik.<external domain> through it",
                "set components.cloudflareTunnel: true (with domains.external), or components.sso: false");
        if (components.Sso && !components.Longhorn)
            Error("spec/components", components, "sso", "Authentik SSO is on but Longhorn is not: Authentik's PostgreSQL (CloudNativePG) stores its data on Longhorn volumes",
                "set components.longhorn: true (with storage.ssdModel), or components.sso: false");
    }

    private void CheckAccounts()
    {
        var git = _spec.Git;
        // The generated flux-system GitRepository has no secretRef and bootstrap creates no Git credential: Flux clones
        // anonymously, so only a public https repository works (an SSH URL would need a deploy key in the cluster).
        if (SshGitUrlPattern().Match(git.Url) is { Success: true } ssh)
            Error("spec/git", git, "url", $"git url '{git.Url}' needs an SSH key, and the repository init writes gives Flux none (it clones anonymously)",
                $"use the public https URL, e.g. https://{ssh.Groups["host"].Value}/{ssh.Groups["path"].Value.TrimEnd('/')}");
        else if (!GitUrlPattern().IsMatch(git.Url))
            Error("spec/git", git, "url", $"git url '{git.Url}' is not a repository URL Flux can clone",
                "write the public https URL of the repository, e.g. https://github.com/you/home-ops");
        if (string.IsNullOrWhiteSpace(git.Branch) || git.Branch.Contains(' ', StringComparison.Ordinal))
            Error("spec/git", git, "branch", $"git branch '{git.Branch}' is not a branch name", "write the branch Flux follows, e.g. main");
        if (string.IsNullOrWhiteSpace(_spec.Onepassword.Vault))
            Error("spec/onepassword", _spec.Onepassword, "vault", "onepassword.vault is empty", "name the 1Password vault that holds the cluster's items");
    }

    /// <summary>RFC 6996 private-use ASNs.</summary>
    private static bool IsPrivateAsn(long asn) => asn is >= 64512 and <= 65534 or >= 4200000000 and <= 4294967294;

    private IPNetwork? Network(Located owner, string key, string text, AddressFamily family)
    {
        if (!Cidr.TryParseInterface(text, out var address, out var network))
        {
            Error("spec/cidr", owner, key, $"{key} '{text}' is not a network", "write address/prefix, e.g. 192.168.1.0/24");
            return null;
        }
        if (address.AddressFamily != family)
        {
            Error("spec/cidr", owner, key, $"{key} {text} is {Family(address.AddressFamily)}, expected {Family(family)}",
                family == AddressFamily.InterNetworkV6 ? "IPv6 ranges go under network.ipv6" : "IPv6 ranges go under network.ipv6; this field is IPv4");
            return null;
        }
        if (!address.Equals(network.BaseAddress))
        {
            Error("spec/cidr", owner, key, $"{key} {text} has host bits set", $"write the network itself: {network}");
            return null;
        }
        return network;
    }

    /// <summary>An address of the network's family, inside it, and neither its network nor its broadcast address.</summary>
    private IPAddress? HostIn(Located owner, string key, string text, IPNetwork? network, string? hint = null)
    {
        if (!Cidr.TryParseAddress(text, out var address))
        {
            Error("spec/address", owner, key, $"{key} '{text}' is not an IP address", "write a single address without a prefix, e.g. 192.168.1.1");
            return null;
        }
        if (network is not { } net) return address;
        if (!net.Contains(address))
        {
            Error("spec/address", owner, key, $"{key} {address} is outside the node network {net}", hint ?? $"pick an address inside {net}");
            return null;
        }
        var range = IpRange.Of(net);
        if (!Cidr.IsV6(net) && net.PrefixLength < 31 && (address.Equals(range.First) || address.Equals(range.Last)))
        {
            Error("spec/address", owner, key, $"{key} {address} is the {(address.Equals(range.First) ? "network" : "broadcast")} address of {net}", $"pick a host address inside {net}");
            return null;
        }
        return address;
    }

    private static string Family(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";

    private void Error(string rule, Located owner, string key, string message, string hint) =>
        _findings.Add(Finding.Error(rule, owner.LocationOf(key), message, hint));
}
