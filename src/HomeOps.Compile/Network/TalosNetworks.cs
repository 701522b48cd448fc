using System.Net;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Model.Network;

namespace HomeOps.Compile.Network;

/// <summary>A named range of the plan and where it was written, so findings name and point at both sides.</summary>
public sealed record PlanRange(IpRange Range, string Name, SourceLocation At);

/// <summary>A named single address of the plan (node IP, VIP).</summary>
public sealed record PlanAddress(IPAddress Address, string Name, SourceLocation At);

/// <summary>The Talos side of the network plan: what talconfig.yaml says about pods, services, node subnets and the VIP.</summary>
public sealed record TalosNetworks(
    IReadOnlyList<PlanRange> Pods,
    IReadOnlyList<PlanRange> Services,
    IReadOnlyList<PlanRange> NodeNetworks,
    IReadOnlyList<PlanAddress> NodeAddresses,
    IReadOnlyList<PlanAddress> Vips)
{
    public static readonly TalosNetworks None = new([], [], [], [], []);

    public bool Present => Pods.Count + Services.Count + NodeNetworks.Count > 0;

    /// <summary>The families the cluster runs (from the pod networks, which TalConfigChecks keeps in step with the service networks).</summary>
    public (bool V4, bool V6) Families => (Pods.Any(p => !p.Range.IsV6), Pods.Any(p => p.Range.IsV6));

    public bool DualStack => Families is (true, true);

    /// <summary>Empty when talconfig.yaml is absent or failed its own checks (those findings come from the loader).</summary>
    public static TalosNetworks From(TalosPlan? plan)
    {
        if (plan is null) return None;
        var config = plan.Config;
        List<PlanRange> Ranges(List<string>? values, string key, string what) =>
            // a range with host bits is reported by talos/config; here it counts as the network it means, so its family is not lost
            (values ?? []).Select(v => Cidr.TryParseNetwork(v, out var n) || Cidr.TryParseInterface(v, out _, out n) ? new PlanRange(IpRange.Of(n), $"{what} {v} (talconfig {key})", config.LocationOf(key)) : null)
                .OfType<PlanRange>().ToList();
        var nodes = new List<PlanRange>();
        var addresses = new List<PlanAddress>();
        var vips = new List<PlanAddress>();
        foreach (var resolved in plan.Nodes)
        {
            if (Cidr.TryParseAddress(resolved.Node.IpAddress, out var ip))
                addresses.Add(new PlanAddress(ip, $"node {resolved.Hostname} ipAddress {ip}", resolved.Node.LocationOf("ipAddress")));
            foreach (var (linkAddresses, linkVip, at) in (resolved.Settings.NetworkInterfaces ?? []).SelectMany(nic => nic.AddressedLinks()))
            {
                foreach (var text in linkAddresses ?? [])
                    if (Cidr.TryParseInterface(text, out _, out var network) && nodes.All(n => n.Range != IpRange.Of(network)))
                        nodes.Add(new PlanRange(IpRange.Of(network), $"node network {network} (talconfig {resolved.Hostname} address {text})", at.LocationOf("addresses")));
                if (linkVip is { } vip && Cidr.TryParseAddress(vip.Ip, out var vipIp) && vips.All(v => !v.Address.Equals(vipIp)))
                    vips.Add(new PlanAddress(vipIp, $"VIP {vipIp} (talconfig {resolved.Hostname})", vip.LocationOf("ip")));
            }
        }
        return new TalosNetworks(Ranges(config.ClusterPodNets, "clusterPodNets", "pod network"),
            Ranges(config.ClusterSvcNets, "clusterSvcNets", "service network"), nodes, addresses, vips);
    }
}
