using System.Text;
using HomeOps.Model.Init;
using HomeOps.Model.Network;

namespace HomeOps.Compile.Init;

/// <summary>
/// infrastructure/cilium/lb-ipam-pools.yaml: one CiliumLoadBalancerIPPool per spec pool, its blocks from cluster-settings
/// (<see cref="ClusterSettings.PoolVariable"/>). The first pool is the default: every Service that does not ask for another
/// pool by label. For the reference spec it is the reference repository's file.
/// </summary>
public static class LoadBalancerPools
{
    public const string PathOf = "infrastructure/cilium/lb-ipam-pools.yaml";

    /// <summary>The pool's object name: "bgp-default" for pool "default" when routed by BGP, "l2-default" when announced on the node network.</summary>
    public static string NameOf(ClusterSpec spec, SpecPool pool) => (spec.Bgp is null ? "l2-" : "bgp-") + pool.Name;

    public static GeneratedFile For(ClusterSpec spec)
    {
        var pools = spec.LoadBalancer.Pools;
        var ingress = new[] { spec.LoadBalancer.IngressAddress, spec.LoadBalancer.PublicIngressAddress }.OfType<string>()
            .Select(a => Cidr.TryParseAddress(a, out var address) ? address : null).OfType<System.Net.IPAddress>().ToList();
        var text = new StringBuilder();
        for (var i = 0; i < pools.Count; i++)
        {
            var pool = pools[i];
            var name = NameOf(spec, pool);
            var variable = ClusterSettings.PoolVariable(pool);
            var range = IpRange.TryParse(pool.Range, out var parsed) ? parsed : throw new ArgumentException($"pool range '{pool.Range}' was not checked", nameof(spec));
            var holdsIngress = ingress.Where(range.Contains).ToList();
            text.Append("---\n");
            if (i == 0)
                text.Append("# Default pool: every LoadBalancer Service that does not ask for another pool\n# with the label io.cilium/lb-ipam-pool.")
                    .Append(spec.LoadBalancer.Ipv6Cidr is null ? "\n" : " The only pool with IPv6.\n");
            else if (holdsIngress.Count > 0)
                text.Append($"# Ingress controllers ({string.Join(", ", IngressNames(spec, holdsIngress))}).\n");
            else
                text.Append($"""
                    # Fixed addresses handed out by hand. A Service gets one only with BOTH the label
                    # io.cilium/lb-ipam-pool: {name} (this pool's selector; {NameOf(spec, pools[0])} excludes it) and the
                    # annotation lbipam.cilium.io/ips: <address>; the annotation alone asks {NameOf(spec, pools[0])}, which does
                    # not hold the address, and the Service stays pending.

                    """);
            text.Append($"""
                apiVersion: cilium.io/v2alpha1
                kind: CiliumLoadBalancerIPPool
                metadata:
                  name: {name}
                spec:
                  blocks:
                    - start: ${"{"}{variable}_START{"}"}
                      stop: ${"{"}{variable}_STOP{"}"}

                """);
            if (i == 0 && spec.LoadBalancer.Ipv6Cidr is not null) text.Append($"    - cidr: ${"{"}{variable}_V6{"}"}\n");
            text.Append("  serviceSelector:\n");
            if (i == 0)
            {
                text.Append(pools.Count == 1
                    ? "    matchLabels: {}\n"
                    : "    matchExpressions:\n      - key: io.cilium/lb-ipam-pool\n        operator: NotIn\n        values:\n");
                foreach (var other in pools.Skip(1)) text.Append($"          - {NameOf(spec, other)}\n");
            }
            else
                text.Append($"    matchLabels:\n      io.cilium/lb-ipam-pool: {name}\n");
        }
        return new GeneratedFile(PathOf, text.ToString());
    }

    private static IEnumerable<string> IngressNames(ClusterSpec spec, List<System.Net.IPAddress> addresses) =>
        addresses.Select(a => (a.ToString() == spec.LoadBalancer.IngressAddress ? "nginx-internal " : "nginx-public ") + a);
}
