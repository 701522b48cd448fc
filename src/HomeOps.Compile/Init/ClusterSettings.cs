using System.Text;
using HomeOps.Model.Init;
using HomeOps.Model.Network;

namespace HomeOps.Compile.Init;

/// <summary>
/// clusters/&lt;name&gt;/cluster-settings.yaml: the ConfigMap every Flux Kustomization substitutes (postBuild.substituteFrom),
/// the one place the GitOps tree reads cluster-wide facts from. For the reference spec it is the reference repository's file.
/// </summary>
public static class ClusterSettings
{
    public static string PathFor(ClusterSpec spec) => $"clusters/{spec.Cluster.Name}/cluster-settings.yaml";

    /// <summary>The variable prefix of a pool: "LB_POOL_DEFAULT" for "default", "LB_POOL_MEDIA_HOSTS" for "media-hosts".</summary>
    public static string PoolVariable(SpecPool pool) => "LB_POOL_" + pool.Name.ToUpperInvariant().Replace('-', '_');

    public static GeneratedFile For(ClusterSpec spec)
    {
        var text = new StringBuilder("""
            ---
            # The cluster-wide facts the manifests need, in one place. Every Flux Kustomization of this cluster
            # substitutes them (postBuild.substituteFrom), so ${DOMAIN_INTERNAL} in a manifest becomes the value
            # below when Flux applies it. Talos facts live in talconfig.yaml, bootstrap facts in
            # bootstrap-config.yaml. Values are strings (Flux's rule); a number substituted into a number field
            # (localASN) is read back as a number.
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: cluster-settings
              namespace: flux-system
            data:

            """);
        void Set(string name, string value) => text.Append($"  {name}: {Quoted(value)}\n");
        Set("CLUSTER_NAME", spec.Cluster.Name);
        Set("DOMAIN_INTERNAL", spec.Domains.Internal);
        if (spec.Domains.External is { } external) Set("DOMAIN_EXTERNAL", external);
        // external-dns's UniFi webhook talks to the controller on the gateway, whatever the BGP peer is
        text.Append("  # The gateway of the node network (external-dns reaches the UniFi controller there).\n");
        Set("GATEWAY_IP", spec.Network.Gateway);
        if (spec.Bgp is not null)
        {
            text.Append("  # The BGP peer: the router's address on the node network.\n");
            Set("ROUTER_IP", spec.Bgp.RouterAddress ?? spec.Network.Gateway);
            if (spec.Network.Ipv6 is { } v6) Set("ROUTER_IPV6", spec.Bgp.RouterAddressV6 ?? v6.Gateway);
        }
        if (spec.Bgp is { ClusterAsn: { } cluster, RouterAsn: { } router })
        {
            Set("BGP_CLUSTER_ASN", cluster.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Set("BGP_ROUTER_ASN", router.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        text.Append(spec.Bgp is null
            ? "  # LB-IPAM (announced on the node network; homeops docs/gitops/network.md).\n"
            : "  # LB-IPAM (routed to the cluster by BGP; homeops docs/gitops/network.md).\n");
        for (var i = 0; i < spec.LoadBalancer.Pools.Count; i++)
        {
            var pool = spec.LoadBalancer.Pools[i];
            var range = Range(pool.Range);
            Set($"{PoolVariable(pool)}_START", range.First.ToString());
            Set($"{PoolVariable(pool)}_STOP", range.Last.ToString());
            // the first pool is the default one, and the only one with IPv6
            if (i == 0 && spec.LoadBalancer.Ipv6Cidr is { } v6Pool) Set($"{PoolVariable(pool)}_V6", v6Pool);
        }
        Set("INGRESS_INTERNAL_IP", spec.LoadBalancer.IngressAddress);
        if (spec.LoadBalancer.PublicIngressAddress is { } publicIngress) Set("INGRESS_PUBLIC_IP", publicIngress);
        return new GeneratedFile(PathFor(spec), text.ToString());
    }

    private static IpRange Range(string text) =>
        IpRange.TryParse(text, out var range) ? range : throw new ArgumentException($"pool range '{text}' was not checked", nameof(text));

    /// <summary>YAML reads every value as a string only when a number-like one is quoted (Flux substitutes strings).</summary>
    private static string Quoted(string value) => long.TryParse(value, out _) ? $"\"{value}\"" : value;
}
