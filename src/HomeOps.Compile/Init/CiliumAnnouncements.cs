using HomeOps.Model.Init;

namespace HomeOps.Compile.Init;

/// <summary>
/// How LoadBalancer addresses reach the network: with BGP the reference's infrastructure/cilium/bgp.yaml; without, a
/// CiliumL2AnnouncementPolicy that answers ARP/NDP for every LoadBalancer IP from whichever node holds the lease (Cilium
/// 1.17 "L2 Announcements": cilium.io/v2alpha1, needs l2announcements.enabled and kube-proxy replacement, both in
/// <see cref="CiliumValues"/>). The cilium Kustomization lists the one that applies.
/// </summary>
public static class CiliumAnnouncements
{
    public const string KustomizationPath = "infrastructure/cilium/kustomization.yaml";
    public const string BgpFile = "bgp.yaml";
    public const string L2File = "l2-announcements.yaml";

    /// <summary>The policy file for a cluster without BGP; null with BGP (bgp.yaml is the reference's).</summary>
    public static GeneratedFile? L2Policy(ClusterSpec spec) => spec.Bgp is not null ? null : new GeneratedFile($"infrastructure/cilium/{L2File}", """
        ---
        # No BGP: every LoadBalancer IP is announced on the node network (ARP for IPv4, NDP for IPv6) by
        # the one node holding its lease; another takes over when that node goes away. No interfaces
        # list: Cilium announces on every interface that has the address's network.
        apiVersion: cilium.io/v2alpha1
        kind: CiliumL2AnnouncementPolicy
        metadata:
          name: loadbalancer-services
        spec:
          loadBalancerIPs: true
          externalIPs: false

        """);

    /// <summary>The cilium Kustomization listing bgp.yaml or the L2 policy.</summary>
    public static GeneratedFile Kustomization(ClusterSpec spec)
    {
        var text = ReferenceRepository.Read(KustomizationPath);
        var listed = $"  - {BgpFile}\n";
        if (!text.Contains(listed, StringComparison.Ordinal))
            throw new InvalidOperationException($"the reference {KustomizationPath} no longer lists {BgpFile} (update {nameof(CiliumAnnouncements)})");
        return new GeneratedFile(KustomizationPath, spec.Bgp is null ? text.Replace(listed, $"  - {L2File}\n", StringComparison.Ordinal) : text);
    }
}
