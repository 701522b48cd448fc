using HomeOps.Model.Init;

namespace HomeOps.Compile.Init;

/// <summary>
/// How LoadBalancer addresses reach the network: with BGP the reference's infrastructure/cilium/bgp.yaml; without, a
/// CiliumL2AnnouncementPolicy that answers ARP for every LoadBalancer IP from whichever node holds the lease (Cilium
/// 1.17 "L2 Announcements", Documentation/network/l2-announcements.rst: cilium.io/v2alpha1, IPv4 only (no NDP), needs l2announcements.enabled and kube-proxy replacement, both in
/// <see cref="CiliumValues"/>). The cilium Kustomization lists the one that applies.
/// </summary>
public static class CiliumAnnouncements
{
    public const string KustomizationPath = "infrastructure/cilium/kustomization.yaml";
    public const string BgpFile = "bgp.yaml";
    public const string L2File = "l2-announcements.yaml";

    public const string BgpPath = "infrastructure/cilium/" + BgpFile;

    /// <summary>
    /// The BGP sessions for a cluster with BGP: the reference's bgp.yaml, without its IPv6 session (the peer whose address is
    /// ${ROUTER_IPV6}, and that peer's CiliumBGPPeerConfig) on an IPv4-only cluster. Null without BGP.
    /// </summary>
    public static string? BgpSessions(ClusterSpec spec)
    {
        if (spec.Bgp is null) return null;
        var text = ReferenceRepository.Read(BgpPath);
        if (spec.Network.Ipv6 is not null) return text;
        var lines = text.Split('\n').ToList();
        var address = lines.IndexOf("          peerAddress: ${ROUTER_IPV6}");
        var start = lines.FindLastIndex(Math.Max(address, 0), line => line.StartsWith("        - name: ", StringComparison.Ordinal));
        if (address < 0 || start < 0)
            throw new InvalidOperationException($"the reference {BgpPath} no longer has a peer at ${{ROUTER_IPV6}} (update {nameof(CiliumAnnouncements)})");
        var peer = lines[start]["        - name: ".Length..];
        var end = start + 1;
        while (end < lines.Count && lines[end].StartsWith("          ", StringComparison.Ordinal)) end++;
        lines.RemoveRange(start, end - start);
        var documents = string.Join('\n', lines).Split("\n---\n")
            .Where(d => !(d.Contains("\nkind: CiliumBGPPeerConfig\n", StringComparison.Ordinal) && d.Contains($"\nmetadata:\n  name: {peer}\n", StringComparison.Ordinal)));
        return string.Join("\n---\n", documents);
    }

    /// <summary>The policy file for a cluster without BGP; null with BGP (bgp.yaml is the reference's).</summary>
    public static GeneratedFile? L2Policy(ClusterSpec spec) => spec.Bgp is not null ? null : new GeneratedFile($"infrastructure/cilium/{L2File}", """
        ---
        # No BGP: every LoadBalancer IP is announced on the node network (ARP; Cilium 1.17 has no NDP, so
        # IPv4 only) by the one node holding its lease; another takes over when that node goes away. No interfaces
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
        var listed = $"  - {BgpFile}\n";
        // with BGP the line stays, but the reference must still list it: the edit is checked either way
        return new GeneratedFile(KustomizationPath, ReferenceRepository.Edited(KustomizationPath, ReferenceRepository.Read(KustomizationPath),
            [(listed, spec.Bgp is null ? $"  - {L2File}\n" : listed)], nameof(CiliumAnnouncements)));
    }
}
