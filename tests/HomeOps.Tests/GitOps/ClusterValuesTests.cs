using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HomeOps.Model.Network;

namespace HomeOps.Tests.GitOps;

/// <summary>
/// Issue 3, acceptance 3: the values the GitOps tree shares with talconfig.yaml agree. Both sides
/// are read from files; only the internal domain is also spelled out here, and it is checked
/// against its source in the tree (external-dns-unifi's zone).
/// </summary>
public class ClusterValuesTests(ReferenceTree tree) : IClassFixture<ReferenceTree>
{
    private const string InternalDomain = "k8s.home.geoffdavis.com";

    private static readonly Regex CidrText = new(@"(?<![0-9A-Za-z:.])((?:\d{1,3}\.){3}\d{1,3}/\d{1,2}|[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{0,4}){1,7}/\d{1,3})(?![0-9A-Za-z])");

    private JsonObject CiliumValues => (JsonObject)ReferenceTree.ParseYamlFile(Path.Combine(tree.Root, "infrastructure", "cilium", "values.yaml")).Single()!;

    private List<string> TalNets(string key) => (tree.TalConfig[key] as JsonArray ?? []).Select(n => ReferenceTree.Str(n)!).ToList();

    private IEnumerable<(string File, int Line, string Cidr)> CidrsInTree() =>
        tree.YamlFiles.SelectMany(f => File.ReadAllLines(Path.Combine(tree.Root, f))
            .SelectMany((line, i) => CidrText.Matches(line).Select(m => (f, i + 1, m.Groups[1].Value))));

    [Fact]
    public void Cilium_cluster_name_is_the_talconfig_cluster_name()
    {
        var clusterName = ReferenceTree.Str(tree.TalConfig["clusterName"]);
        Assert.False(string.IsNullOrEmpty(clusterName));
        Assert.Equal(clusterName, ReferenceTree.Str(CiliumValues["cluster"]?["name"]));
        // The BGP cluster config and external-dns' registry owner carry the cluster's name too.
        Assert.Contains(tree.OfKind("CiliumBGPClusterConfig"), c => c.Name == clusterName);
        foreach (var hr in tree.OfKind("HelmRelease").Where(h => h.Body["spec"]?["values"]?["txtOwnerId"] is not null))
            Assert.Equal(clusterName, ReferenceTree.Str(hr.Body["spec"]!["values"]!["txtOwnerId"]));
    }

    [Fact]
    public void Cilium_pod_addressing_agrees_with_the_talconfig_pod_networks()
    {
        var pods = TalNets("clusterPodNets");
        Assert.NotEmpty(pods);
        var values = CiliumValues;
        var mode = ReferenceTree.Str(values["ipam"]?["mode"]) ?? "cluster-pool";
        if (mode == "kubernetes")
        {
            // Cilium takes each node's podCIDRs from Kubernetes (allocated from clusterPodNets by Talos):
            // it must then have no pool of its own, and must enable every address family talconfig uses.
            Assert.Null(values["ipam"]?["operator"]?["clusterPoolIPv4PodCIDRList"]);
            Assert.Null(values["ipam"]?["operator"]?["clusterPoolIPv6PodCIDRList"]);
        }
        else
        {
            Assert.Equal(pods.Where(p => !p.Contains(':')), (values["ipam"]?["operator"]?["clusterPoolIPv4PodCIDRList"] as JsonArray ?? []).Select(ReferenceTree.Str));
            Assert.Equal(pods.Where(p => p.Contains(':')), (values["ipam"]?["operator"]?["clusterPoolIPv6PodCIDRList"] as JsonArray ?? []).Select(ReferenceTree.Str));
        }
        Assert.Equal(pods.Any(p => !p.Contains(':')), values["ipv4"]?["enabled"]?.GetValue<bool>() ?? true);
        Assert.Equal(pods.Any(p => p.Contains(':')), values["ipv6"]?["enabled"]?.GetValue<bool>() ?? false);
        foreach (var key in new[] { "ipv4NativeRoutingCIDR", "ipv6NativeRoutingCIDR" })
            if (ReferenceTree.Str(values[key]) is { } routing)
            {
                Assert.True(Cidr.TryParseNetwork(routing, out var net), $"{key} {routing}");
                Assert.Contains(pods, p => Cidr.TryParseNetwork(p, out var pod) && Cidr.Overlaps(net, pod) && net.PrefixLength <= pod.PrefixLength);
            }
        // values.yaml documents the pod networks it relies on: each one talconfig has is named there.
        var text = File.ReadAllText(Path.Combine(tree.Root, "infrastructure", "cilium", "values.yaml"));
        foreach (var p in pods) Assert.Contains(p, text);
    }

    [Fact]
    public void Every_CIDR_in_the_tree_touching_the_pod_or_service_networks_is_exactly_one_of_them()
    {
        var nets = TalNets("clusterPodNets").Concat(TalNets("clusterSvcNets")).ToList();
        Assert.Equal(4, nets.Count);
        var parsed = nets.Select(n => { Assert.True(Cidr.TryParseNetwork(n, out var net), $"talconfig {n}"); return (Text: n, Net: net); }).ToList();
        var found = CidrsInTree().ToList();
        Assert.NotEmpty(found);
        var problems = new List<string>();
        foreach (var (file, line, text) in found)
        {
            if (!Cidr.TryParseInterface(text, out _, out var net)) continue;
            foreach (var (talText, talNet) in parsed)
                if (Cidr.Overlaps(net, talNet) && !(net.Equals(talNet) && Cidr.TryParseNetwork(text, out _)))
                    problems.Add($"{file}:{line}: {text} overlaps talconfig {talText} but is not it");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void LoadBalancer_pools_do_not_overlap_the_pod_or_service_networks_or_each_other()
    {
        var nets = TalNets("clusterPodNets").Concat(TalNets("clusterSvcNets")).Select(n => { Assert.True(Cidr.TryParseNetwork(n, out var x), n); return (n, x); }).ToList();
        var blocks = LbBlocks(tree).ToList();
        Assert.True(blocks.Count >= 3, $"only {blocks.Count} LB-IPAM blocks");
        foreach (var b in blocks)
        {
            foreach (var (text, net) in nets)
                Assert.False(net.Contains(b.First) || net.Contains(b.Last) || (b.Contains(net.BaseAddress)), $"pool {b.Pool} block {b} overlaps {text}");
            foreach (var other in blocks.Where(o => !ReferenceEquals(o, b) && o.First.AddressFamily == b.First.AddressFamily))
                Assert.False(b.Contains(other.First) || b.Contains(other.Last), $"pool {b.Pool} block {b} overlaps pool {other.Pool} block {other}");
        }
    }

    [Fact]
    public void The_API_endpoint_is_reached_through_KubePrism_or_the_talconfig_endpoint()
    {
        var endpoint = new Uri(ReferenceTree.Str(tree.TalConfig["endpoint"])!);
        var values = CiliumValues;
        var host = ReferenceTree.Str(values["k8sServiceHost"]);
        var port = values["k8sServicePort"]?.GetValue<long>();
        Assert.NotNull(host);
        if (host is "localhost" or "127.0.0.1")
        {
            // KubePrism: must be enabled in the Talos patches on the same port.
            var patch = (JsonObject)ReferenceTree.ParseYamlFile(Path.Combine(tree.Root, "talos", "patches", "cluster.yaml")).Single()!;
            var prism = patch["machine"]?["features"]?["kubePrism"];
            Assert.True(prism?["enabled"]?.GetValue<bool>() == true, "Cilium uses localhost but KubePrism is not enabled in talos/patches/cluster.yaml");
            Assert.Equal(prism?["port"]?.GetValue<long>() ?? 7445, port);
        }
        else
        {
            Assert.Equal(endpoint.Host, host);
            Assert.Equal(endpoint.Port, port);
        }
        // Anything in the tree that names the API address uses the endpoint's port.
        var mentions = tree.YamlFiles.SelectMany(f => Regex.Matches(File.ReadAllText(Path.Combine(tree.Root, f)), Regex.Escape(endpoint.Host) + @"(?::(\d+))?(?!\d)").Select(m => (f, m))).ToList();
        foreach (var (file, m) in mentions)
            Assert.True(m.Groups[1].Length == 0 || m.Groups[1].Value == endpoint.Port.ToString(), $"{file}: {m.Value} does not use the endpoint port {endpoint.Port}");
    }

    [Fact]
    public void In_cluster_service_names_use_the_talconfig_cluster_domain()
    {
        var domain = ReferenceTree.Str(tree.TalConfig["domain"]) ?? "cluster.local";
        var svc = new Regex(@"\.svc\.([a-z0-9-]+(?:\.[a-z0-9-]+)*)");
        var uses = tree.YamlFiles.SelectMany(f => svc.Matches(File.ReadAllText(Path.Combine(tree.Root, f))).Select(m => (f, m.Groups[1].Value))).ToList();
        Assert.True(uses.Count >= 5, $"only {uses.Count} .svc. names found");
        Assert.All(uses, u => Assert.True(u.Item2 == domain, $"{u.f}: .svc.{u.Item2} but the cluster domain is {domain}"));
    }

    [Fact]
    public void The_internal_domain_is_served_by_the_wildcard_certificate_and_the_authentik_proxy_ingress()
    {
        // Source of the internal domain in the tree: the zone external-dns-unifi writes to the home DNS.
        var unifi = tree.OfKind("HelmRelease").Single(h => h.Name == "external-dns-unifi");
        var zones = (unifi.Body["spec"]?["values"]?["domainFilters"] as JsonArray ?? []).Select(ReferenceTree.Str).ToList();
        Assert.Equal([InternalDomain], zones);
        var internalClass = (unifi.Body["spec"]?["values"]?["extraArgs"] as JsonArray ?? []).Select(ReferenceTree.Str)
            .Single(a => a!.StartsWith("--ingress-class=", StringComparison.Ordinal))!["--ingress-class=".Length..];
        var cloudflare = tree.OfKind("HelmRelease").Single(h => h.Name == "external-dns-cloudflare");
        Assert.Contains(InternalDomain, (cloudflare.Body["spec"]?["values"]?["excludeDomains"] as JsonArray ?? []).Select(ReferenceTree.Str));

        var cert = tree.OfKind("Certificate").Single(c => (c.Body["spec"]?["dnsNames"] as JsonArray ?? []).Any(n => ReferenceTree.Str(n) == $"*.{InternalDomain}"));
        Assert.Equal($"*.{InternalDomain}", ReferenceTree.Str(cert.Body["spec"]?["commonName"]));
        Assert.Contains(tree.OfKind("ClusterIssuer"), i => i.Name == ReferenceTree.Str(cert.Body["spec"]?["issuerRef"]?["name"]));

        var ingress = tree.OfKind("Ingress").Single(i => i.Namespace == "authentik-proxy");
        Assert.Equal(cert.Namespace, ingress.Namespace);
        Assert.Equal(internalClass, ReferenceTree.Str(ingress.Body["spec"]?["ingressClassName"]));
        var tls = Assert.Single(ingress.Body["spec"]!["tls"]!.AsArray());
        Assert.Equal(ReferenceTree.Str(cert.Body["spec"]?["secretName"]), ReferenceTree.Str(tls!["secretName"]));
        var hosts = (ingress.Body["spec"]!["rules"] as JsonArray)!.Select(r => ReferenceTree.Str(r!["host"])!).ToList();
        Assert.NotEmpty(hosts);
        // A wildcard covers exactly one label: every host is <name>.<internal domain>.
        Assert.All(hosts, h => Assert.Matches("^[a-z0-9-]+\\." + Regex.Escape(InternalDomain) + "$", h));
        // No other Ingress (or chart-made ingress) serves the internal domain.
        var others = tree.Applied.Where(m => m != ingress).SelectMany(m => ReferenceTree.Strings(m.Body).Where(s => s.Path.Contains("host", StringComparison.OrdinalIgnoreCase) && s.Value.EndsWith("." + InternalDomain, StringComparison.Ordinal)).Select(s => $"{ReferenceTree.Show(m)} {s.Path}"))
            .Where(s => !s.Contains("ConfigMap")) // authentik blueprint external_host values (checked below)
            .ToList();
        Assert.True(others.Count == 0, "other objects serve the internal domain:\n" + string.Join("\n", others));
        // Each protected host has its authentik proxy provider (blueprints ConfigMap) and vice versa.
        var blueprint = tree.OfKind("ConfigMap").Single(c => c.Name == "authentik-blueprints");
        var external = Regex.Matches(blueprint.Body["data"]!.ToJsonString(), @"external_host: https://([a-z0-9.-]+)").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(hosts.Order(), external.Order());
    }

    internal sealed record LbBlock(string Pool, IPAddress First, IPAddress Last, string Text)
    {
        public bool Contains(IPAddress a) => a.AddressFamily == First.AddressFamily && Compare(First, a) <= 0 && Compare(a, Last) <= 0;
        public override string ToString() => Text;

        private static int Compare(IPAddress x, IPAddress y)
        {
            var a = x.GetAddressBytes();
            var b = y.GetAddressBytes();
            for (var i = 0; i < a.Length; i++) if (a[i] != b[i]) return a[i].CompareTo(b[i]);
            return 0;
        }
    }

    /// <summary>Every block of every CiliumLoadBalancerIPPool, as an address range.</summary>
    internal static IEnumerable<LbBlock> LbBlocks(ReferenceTree tree)
    {
        foreach (var pool in tree.OfKind("CiliumLoadBalancerIPPool"))
            foreach (var block in pool.Body["spec"]?["blocks"] as JsonArray ?? [])
            {
                if (ReferenceTree.Str(block?["cidr"]) is { } cidr)
                {
                    Assert.True(Cidr.TryParseNetwork(cidr, out var net), $"{pool.Name}: {cidr}");
                    var last = net.BaseAddress.GetAddressBytes();
                    for (var bit = net.PrefixLength; bit < last.Length * 8; bit++) last[bit / 8] |= (byte)(0x80 >> (bit % 8));
                    yield return new LbBlock(pool.Name, net.BaseAddress, new IPAddress(last), cidr);
                }
                else
                {
                    var start = IPAddress.Parse(ReferenceTree.Str(block?["start"])!);
                    var stop = IPAddress.Parse(ReferenceTree.Str(block?["stop"]) ?? ReferenceTree.Str(block?["start"])!);
                    yield return new LbBlock(pool.Name, start, stop, $"{start}-{stop}");
                }
            }
    }
}
