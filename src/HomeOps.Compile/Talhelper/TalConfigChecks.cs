using System.Net;
using System.Text.RegularExpressions;
using HomeOps.Model;
using HomeOps.Model.Network;
using HomeOps.Model.Talhelper;

namespace HomeOps.Compile.Talhelper;


/// <summary>
/// The semantic checks talosctl (and the API server) would make, done before anything is
/// generated: addresses and ranges parse, nothing overlaps, the VIP sits in the node subnet and
/// is the endpoint, every node has exactly one install disk, dual-stack is consistent.
/// </summary>
public static partial class TalConfigChecks
{
    /// <summary>RFC 1123 label: also what keeps names safe inside output file names.</summary>
    [GeneratedRegex(@"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex Label();

    public static void Check(TalConfig config, IReadOnlyList<ResolvedNode> nodes, FindingBag findings)
    {
        CheckVersions(config, findings);
        if (!Label().IsMatch(config.ClusterName))
            findings.Add(Finding.Error("talos/config", config.LocationOf("clusterName"), $"clusterName '{config.ClusterName}' is not a DNS label",
                "use lowercase letters, digits and '-', e.g. home-ops"));
        var pods = Networks(config, config.ClusterPodNets, "clusterPodNets", findings);
        var services = Networks(config, config.ClusterSvcNets, "clusterSvcNets", findings);
        CheckDualStack(config, pods, services, findings);
        var nodeNetworks = CheckNodes(config, nodes, findings);
        CheckOverlaps([.. pods, .. services, .. nodeNetworks], findings);
        CheckVip(config, nodes, findings);
        if (config.CniConfig is { } cni && cni.Name is not ("none" or "flannel" or "custom"))
            findings.Add(Finding.Error("talos/config", cni.LocationOf("name"), $"cniConfig.name '{cni.Name}' is not one of none, flannel, custom",
                "use 'none' when Cilium is installed by bootstrap"));
    }

    private static void CheckVersions(TalConfig config, FindingBag findings)
    {
        foreach (var (key, value) in new[] { ("talosVersion", config.TalosVersion), ("kubernetesVersion", config.KubernetesVersion) })
            if (value is not null && (!value.StartsWith('v') || !ReleaseVersion.TryParse(value, out _)))
                findings.Add(Finding.Error("talos/config", config.LocationOf(key), $"{key} '{value}' is not a version like v1.10.5",
                    "write the full version with a leading v"));
    }

    private sealed record Range(IPNetwork Network, string Name, SourceLocation At);

    private static List<Range> Networks(TalConfig config, List<string>? values, string key, FindingBag findings)
    {
        var result = new List<Range>();
        foreach (var text in values ?? [])
        {
            if (Cidr.TryParseNetwork(text, out var network)) result.Add(new Range(network, $"{key} {text}", config.LocationOf(key)));
            else if (network != default)
            {
                findings.Add(Finding.Error("talos/config", config.LocationOf(key), $"{key}: '{text}' has host bits set; as a network it means {network}",
                    $"write {network} if that is meant, or lengthen the prefix so the range starts at the given address"));
                // reported once here; the other checks read it as the network it means, so its address family is not lost
                result.Add(new Range(network, $"{key} {text}", config.LocationOf(key)));
            }
            else findings.Add(Finding.Error("talos/config", config.LocationOf(key), $"{key}: '{text}' is not a valid network CIDR",
                "write it as address/prefix, e.g. 10.244.0.0/16"));
        }
        return result;
    }

    private static void CheckOverlaps(IReadOnlyList<Range> ranges, FindingBag findings)
    {
        for (var i = 0; i < ranges.Count; i++)
            for (var j = i + 1; j < ranges.Count; j++)
                if (Cidr.Overlaps(ranges[i].Network, ranges[j].Network))
                    findings.Add(Finding.Error("network/cidr-overlap", ranges[j].At,
                        $"{ranges[j].Name} overlaps {ranges[i].Name}", "pod, service and node networks must be disjoint"));
    }

    private static void CheckDualStack(TalConfig config, List<Range> pods, List<Range> services, FindingBag findings)
    {
        static (bool V4, bool V6) Families(List<Range> r) => (r.Any(x => !Cidr.IsV6(x.Network)), r.Any(x => Cidr.IsV6(x.Network)));
        var (podV4, podV6) = Families(pods);
        var (svcV4, svcV6) = Families(services);
        if (pods.Count > 0 && services.Count > 0 && (podV4 != svcV4 || podV6 != svcV6))
            findings.Add(Finding.Error("network/dual-stack-mismatch", config.LocationOf("clusterSvcNets"),
                $"pod networks are {Describe(podV4, podV6)} but service networks are {Describe(svcV4, svcV6)}",
                "dual-stack needs one IPv4 and one IPv6 range in both clusterPodNets and clusterSvcNets"));
        foreach (var (list, key) in new[] { (pods, "clusterPodNets"), (services, "clusterSvcNets") })
            if (list.Count(x => Cidr.IsV6(x.Network)) > 1 || list.Count(x => !Cidr.IsV6(x.Network)) > 1)
                findings.Add(Finding.Error("network/dual-stack-mismatch", config.LocationOf(key),
                    $"{key} holds more than one range of the same family", "Kubernetes accepts at most one IPv4 and one IPv6 range"));
    }

    private static string Describe(bool v4, bool v6) => (v4, v6) switch
    {
        (true, true) => "dual-stack",
        (true, false) => "IPv4-only",
        (false, true) => "IPv6-only",
        _ => "empty",
    };

    private static List<Range> CheckNodes(TalConfig config, IReadOnlyList<ResolvedNode> nodes, FindingBag findings)
    {
        var networks = new List<Range>();
        var hostnames = new Dictionary<string, Node>(StringComparer.OrdinalIgnoreCase);
        var addresses = new Dictionary<IPAddress, Node>();
        if (nodes.Count == 0)
            findings.Add(Finding.Error("talos/config", config.LocationOf("nodes"), "no nodes", "list the cluster's machines under nodes:"));
        else if (!nodes.Any(n => n.ControlPlane))
            findings.Add(Finding.Error("talos/config", config.LocationOf("nodes"), "no node has controlPlane: true",
                "a cluster needs at least one control-plane node (three for etcd quorum)"));
        foreach (var resolved in nodes)
        {
            var node = resolved.Node;
            if (!Label().IsMatch(node.Hostname))
                findings.Add(Finding.Error("talos/config", node.LocationOf("hostname"), $"hostname '{node.Hostname}' is not a DNS label",
                    "use lowercase letters, digits and '-' (RFC 1123), at most 63 characters"));
            else if (!hostnames.TryAdd(node.Hostname, node))
                findings.Add(Finding.Error("talos/config", node.LocationOf("hostname"), $"duplicate hostname '{node.Hostname}'",
                    $"already used at {hostnames[node.Hostname].LocationOf("hostname")}; hostnames must be unique"));
            if (!Cidr.TryParseAddress(node.IpAddress, out var ip))
                findings.Add(Finding.Error("talos/config", node.LocationOf("ipAddress"), $"ipAddress '{node.IpAddress}' of {node.Hostname} is not an IP address",
                    "write the node's address without prefix, e.g. 172.29.51.11"));
            else if (!addresses.TryAdd(ip, node))
                findings.Add(Finding.Error("talos/config", node.LocationOf("ipAddress"), $"duplicate ipAddress {ip} ({node.Hostname} and {addresses[ip].Hostname})",
                    "every node needs its own address"));
            var disks = (resolved.Settings.InstallDisk is null ? 0 : 1) + (resolved.Settings.InstallDiskSelector is null ? 0 : 1);
            if (disks != 1)
                findings.Add(Finding.Error("talos/config", node.Location,
                    disks == 0 ? $"node {node.Hostname} has no installDisk or installDiskSelector" : $"node {node.Hostname} sets both installDisk and installDiskSelector",
                    "give exactly one: installDisk: /dev/sda, or installDiskSelector: {model: ...}"));
            foreach (var nic in resolved.Settings.NetworkInterfaces ?? [])
                foreach (var address in nic.Addresses ?? [])
                {
                    if (!Cidr.TryParseInterface(address, out var _, out var network))
                        findings.Add(Finding.Error("talos/config", nic.LocationOf("addresses"), $"interface address '{address}' of {node.Hostname} is not address/prefix",
                            "e.g. 172.29.51.11/24"));
                    else networks.Add(new Range(network, $"node network {network}", nic.LocationOf("addresses")));
                }
        }
        return networks.DistinctBy(r => r.Network).ToList();
    }

    private static void CheckVip(TalConfig config, IReadOnlyList<ResolvedNode> nodes, FindingBag findings)
    {
        var nodeIps = nodes.Select(n => Cidr.TryParseAddress(n.Node.IpAddress, out var ip) ? ip : null).OfType<IPAddress>().ToHashSet();
        IPAddress? endpointHost = null;
        if (!Uri.TryCreate(config.Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme != "https")
            findings.Add(Finding.Error("talos/config", config.LocationOf("endpoint"), $"endpoint '{config.Endpoint}' is not an https URL",
                "write it as https://<VIP or DNS name>:6443"));
        else if (Cidr.TryParseAddress(endpoint.Host.Trim('[', ']'), out var host)) endpointHost = host;

        var vips = new HashSet<IPAddress>();
        foreach (var resolved in nodes.Where(n => n.ControlPlane))
            foreach (var nic in resolved.Settings.NetworkInterfaces ?? [])
            {
                if (nic.Vip is not { } vip) continue;
                if (!Cidr.TryParseAddress(vip.Ip, out var vipIp))
                {
                    findings.Add(Finding.Error("talos/config", vip.LocationOf("ip"), $"vip.ip '{vip.Ip}' is not an IP address", "e.g. 172.29.51.10"));
                    continue;
                }
                vips.Add(vipIp);
                var subnets = (nic.Addresses ?? []).Select(a => Cidr.TryParseInterface(a, out _, out var n) ? n : (IPNetwork?)null).OfType<IPNetwork>().ToList();
                if (subnets.Count > 0 && !subnets.Any(s => s.Contains(vipIp)))
                    findings.Add(Finding.Error("network/vip-conflict", vip.LocationOf("ip"),
                        $"VIP {vipIp} of {resolved.Hostname} is outside the interface's subnet ({string.Join(", ", subnets)})",
                        "the VIP must be a free address in the control-plane nodes' shared subnet"));
                if (nodeIps.Contains(vipIp))
                    findings.Add(Finding.Error("network/vip-conflict", vip.LocationOf("ip"),
                        $"VIP {vipIp} is also a node's ipAddress", "pick an address no node uses"));
            }
        if (vips.Count > 1)
            findings.Add(Finding.Error("network/vip-conflict", config.LocationOf("nodes"),
                $"control-plane nodes disagree on the VIP ({string.Join(", ", vips)})", "all control-plane nodes share one VIP"));
        if (endpointHost is not null && vips.Count == 1 && !vips.Contains(endpointHost))
            findings.Add(Finding.Error("network/vip-conflict", config.LocationOf("endpoint"),
                $"endpoint host {endpointHost} is not the VIP {vips.First()}", $"set endpoint: https://{vips.First()}:6443"));
    }
}
