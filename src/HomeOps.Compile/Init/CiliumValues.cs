using HomeOps.Model.Init;

namespace HomeOps.Compile.Init;

/// <summary>
/// infrastructure/cilium/values.yaml for a spec: the reference file with what differs between clusters rewritten (the
/// cluster name, single or dual stack, BGP or L2 announcements, the operator's replicas, the Hubble address). Each edit
/// names the exact reference text it replaces and fails loudly when the reference no longer has it, so the generator and
/// the reference cannot drift apart silently (InitGitOpsTests generate the reference spec's file byte for byte).
/// </summary>
public static class CiliumValues
{
    public const string PathOf = "infrastructure/cilium/values.yaml";

    public static GeneratedFile For(ClusterSpec spec)
    {
        var text = ReferenceRepository.Read(PathOf);
        var referenceName = ReferenceRepository.Facts.Name;
        var network = spec.Network;
        var v6 = network.Ipv6;
        var edits = new (string From, string To)[]
        {
            ($"# Cilium Helm values for cluster {referenceName}:", $"# Cilium Helm values for cluster {spec.Cluster.Name}:"),
            ($"cluster:\n  name: {referenceName}\n", $"cluster:\n  name: {spec.Cluster.Name}\n"),
            ("""
             # Dual-stack, IPAM from the node podCIDRs that Kubernetes allocates
             # (pods 10.244.0.0/16 + fd47:25e1:2f96:51:2000::/80, a /96 per node).
             ipv4:
               enabled: true
             ipv6:
               enabled: true
             ipam:
               mode: kubernetes
             enableIPv4Masquerade: true
             enableIPv6Masquerade: true
             """,
             v6 is null
                ? $"""
                   # IPv4 only, IPAM from the node podCIDRs that Kubernetes allocates
                   # (pods {network.PodCidr}, a /24 per node).
                   ipv4:
                     enabled: true
                   ipv6:
                     enabled: false
                   ipam:
                     mode: kubernetes
                   enableIPv4Masquerade: true
                   enableIPv6Masquerade: false
                   """
                : $"""
                   # Dual-stack, IPAM from the node podCIDRs that Kubernetes allocates
                   # (pods {network.PodCidr} + {v6.PodCidr}, a /{TalosFiles.NodePodPrefixV6(spec)} per node).
                   ipv4:
                     enabled: true
                   ipv6:
                     enabled: true
                   ipam:
                     mode: kubernetes
                   enableIPv4Masquerade: true
                   enableIPv6Masquerade: true
                   """),
            ("""
             # LoadBalancer IPs: LB-IPAM pools announced with BGP to the router.
             enableLBIPAM: true
             bgpControlPlane:
               enabled: true
             l2announcements:
               enabled: false
             """,
             spec.Bgp is not null
                ? """
                  # LoadBalancer IPs: LB-IPAM pools announced with BGP to the router.
                  enableLBIPAM: true
                  bgpControlPlane:
                    enabled: true
                  l2announcements:
                    enabled: false
                  """
                : """
                  # LoadBalancer IPs: LB-IPAM pools announced on the node network (ARP, L2 announcements).
                  enableLBIPAM: true
                  bgpControlPlane:
                    enabled: false
                  l2announcements:
                    enabled: true
                  """),
            // two operators want two nodes to spread over
            ("operator:\n  replicas: 2\n", $"operator:\n  replicas: {Math.Min(2, spec.Nodes.Count)}\n"),
            // no ${VAR} here: Flux would substitute it in the cilium-values ConfigMap, which must stay the file bootstrap reads
            ("    # reached as https://hubble.<internal domain> through authentik-proxy\n",
             spec.Components.Sso ? "    # reached as https://hubble.<internal domain> through authentik-proxy\n" : ""),
        };
        return new GeneratedFile(PathOf, ReferenceRepository.Edited(PathOf, text, edits, nameof(CiliumValues)));
    }
}
