using System.Net;
using System.Net.Sockets;
using HomeOps.Compile.Network;
using HomeOps.Compile.Repository;
using HomeOps.Model.Network;
using HomeOps.Operations.Observe;

namespace HomeOps.Operations.Diagnose;

/// <summary>
/// What the repository says dual-stack looks like: the nodes with their planned addresses, the pod networks
/// Kubernetes carves node podCIDRs from (talconfig clusterPodNets), the ranges pods really get (the same, unless
/// Cilium hands out its own cluster-pool ranges), the service networks and the LB-IPAM pools.
/// </summary>
public sealed record DualStackPlan(IReadOnlyList<PlannedNode> Nodes, IReadOnlyList<PlanRange> NodePodNetworks,
    IReadOnlyList<PlanRange> PodRanges, IReadOnlyList<PlanRange> ServiceRanges, IReadOnlyList<LbPool> Pools)
{
    public static DualStackPlan From(RepoModel repo)
    {
        var network = NetworkPlan.Of(repo);
        var clusterPool = network.Cilium?.ClusterPoolPodRanges() ?? [];
        return new DualStackPlan(PlannedNode.From(repo.Talos), network.Talos.Pods, clusterPool.Count > 0 ? clusterPool : network.Talos.Pods,
            network.Talos.Services, network.Pools.Where(p => !p.Disabled).ToList());
    }

    /// <summary>The families the cluster runs, IPv4 first (from the pod ranges).</summary>
    public IReadOnlyList<bool> Families => PodRanges.Select(r => r.Range.IsV6).Distinct().Order().ToList();
}

/// <summary>
/// `homeops diagnose ipv6`: each planned Node has its planned InternalIP of every family and a podCIDR of every family
/// inside the pod networks; every Running pod on those nodes (hostNetwork pods share the node's addresses) has one IP
/// of each family inside the pod ranges; every Service's cluster IPs lie in the service networks, both families for a
/// dual-stack Service; every LoadBalancer IP lies in an LB-IPAM pool. Pure: live objects in, checks out.
/// </summary>
public static class DualStackDiagnosis
{
    public static Diagnosis Compare(DualStackPlan plan, IReadOnlyList<LiveNode> nodes, IReadOnlyList<LivePod> pods, IReadOnlyList<LiveService> services)
    {
        var checks = new List<Check>();
        var notes = new List<string>();
        var planned = plan.Nodes.Select(n => n.Hostname).ToHashSet(StringComparer.Ordinal);
        foreach (var node in plan.Nodes) checks.AddRange(NodeChecks(plan, node, nodes.FirstOrDefault(n => n.Name == node.Hostname)));
        var others = nodes.Where(n => !planned.Contains(n.Name)).Select(n => n.Name).ToList();
        if (others.Count > 0) notes.Add($"not in talconfig.yaml, so not checked: Node {string.Join(", ", others)}");

        var running = pods.Where(p => p.Phase == "Running" && !p.HostNetwork && planned.Contains(p.Node)).ToList();
        checks.AddRange(Aggregated("pods", "one IP per family in the pod ranges", running.Select(p => PodCheck(plan, p)).ToList(),
            $"{running.Count} Running pod(s) on the planned nodes", Expectation(plan.PodRanges, plan.Families)));

        var withClusterIp = services.Where(s => s.Type != "ExternalName" && s.ClusterIps.Count > 0).ToList();
        checks.AddRange(Aggregated("services", "cluster IPs in the service networks", withClusterIp.Select(s => ClusterIpCheck(plan, s)).ToList(),
            $"{withClusterIp.Count} Service(s) with a cluster IP", $"each cluster IP in {Ranges(plan.ServiceRanges)}, both families for a dual-stack Service"));

        var balanced = services.Where(s => s.Type == "LoadBalancer").ToList();
        var pools = string.Join(", ", plan.Pools.Select(p => $"{p.Name} {string.Join(" ", p.Blocks.Select(b => b.Range))}"));
        checks.AddRange(Aggregated("load balancers", "LoadBalancer IPs in the LB pools", balanced.Select(s => LoadBalancerCheck(plan, s, pools)).ToList(),
            $"{balanced.Count} LoadBalancer Service(s)", $"every LoadBalancer IP in a pool: {pools}"));
        return new Diagnosis("ipv6", checks, notes);
    }

    private static IEnumerable<Check> NodeChecks(DualStackPlan plan, PlannedNode node, LiveNode? live)
    {
        var subject = $"node {node.Hostname}";
        if (live is null)
        {
            yield return Check.Fail(subject, "registered", "no Node of that name", "a Node for every talconfig.yaml node");
            yield break;
        }
        var internalIps = Addresses(live.InternalAddresses);
        foreach (var v6 in plan.Families)
        {
            var family = NetworkPlan.FamilyName(v6);
            var wanted = node.Addresses.Where(a => IsV6(a) == v6).ToList();
            var seen = internalIps.Where(a => IsV6(a) == v6).ToList();
            yield return Check.When(seen.Any(wanted.Contains), Verdict.Fail, subject, $"{family} InternalIP",
                seen.Count > 0 ? string.Join(", ", seen) : $"no {family} InternalIP",
                wanted.Count > 0 ? $"{string.Join(" or ", wanted)} (talconfig {node.Hostname} addresses)" : $"an {family} address in talconfig {node.Hostname} (none planned)");

            var podCidrs = live.PodCidrs.Select(c => IpRange.TryParse(c, out var r) ? r : (IpRange?)null).OfType<IpRange>().Where(r => r.IsV6 == v6).ToList();
            var networks = plan.NodePodNetworks.Where(n => n.Range.IsV6 == v6).ToList();
            yield return Check.When(podCidrs.Count == 1 && networks.Any(n => n.Range.Contains(podCidrs[0])), Verdict.Fail, subject, $"{family} podCIDR",
                podCidrs.Count > 0 ? string.Join(", ", podCidrs) : $"no {family} podCIDR (podCIDRs: {Listed(live.PodCidrs)})",
                $"one inside {Ranges(networks)}");
        }
    }

    private static Check PodCheck(DualStackPlan plan, LivePod pod)
    {
        var ips = Addresses(pod.PodIps);
        var healthy = plan.Families.All(v6 =>
        {
            var ofFamily = ips.Where(a => IsV6(a) == v6).ToList();
            return ofFamily.Count == 1 && plan.PodRanges.Any(r => r.Range.Contains(ofFamily[0]));
        });
        return Check.When(healthy, Verdict.Fail, $"pod {pod.Namespace}/{pod.Name}", "pod IPs", $"{Listed(pod.PodIps)} on {pod.Node}",
            Expectation(plan.PodRanges, plan.Families));
    }

    private static Check ClusterIpCheck(DualStackPlan plan, LiveService service)
    {
        var ips = Addresses(service.ClusterIps);
        var outside = ips.Where(ip => !plan.ServiceRanges.Any(r => r.Range.Contains(ip))).ToList();
        var missing = service.IpFamilies.Where(f => !ips.Any(ip => NetworkPlan.FamilyName(IsV6(ip)) == f)).ToList();
        var seen = Listed(service.ClusterIps) + (service.IpFamilies.Count > 0 ? $" (ipFamilies {string.Join(", ", service.IpFamilies)})" : "");
        return Check.When(outside.Count == 0 && missing.Count == 0 && ips.Count == service.ClusterIps.Count, Verdict.Fail,
            $"service {service.Namespace}/{service.Name}", "cluster IPs", seen,
            $"one cluster IP per family in {Ranges(plan.ServiceRanges)}");
    }

    private static Check LoadBalancerCheck(DualStackPlan plan, LiveService service, string pools)
    {
        var ips = Addresses(service.LoadBalancerIps);
        var inPools = ips.Count == service.LoadBalancerIps.Count && ips.All(ip => plan.Pools.Any(p => p.Blocks.Any(b => b.Range.Contains(ip))));
        return Check.When(ips.Count > 0 && inPools, Verdict.Fail, $"service {service.Namespace}/{service.Name}", "LoadBalancer IPs",
            service.LoadBalancerIps.Count > 0 ? string.Join(", ", service.LoadBalancerIps) : "none assigned (pending)", $"in a pool: {pools}");
    }

    /// <summary>Healthy items collapse into one ok line (a cluster has hundreds of pods); each finding keeps its own line.</summary>
    private static IEnumerable<Check> Aggregated(string subject, string name, IReadOnlyList<Check> each, string counted, string expected)
    {
        var findings = each.Where(c => c.Verdict != Verdict.Ok).ToList();
        var healthy = each.Count - findings.Count;
        if (findings.Count == 0 || healthy > 0)
            yield return Check.Ok(subject, name, findings.Count == 0 ? $"all {counted}" : $"{healthy} of {counted}", expected);
        foreach (var finding in findings) yield return finding;
    }

    private static string Expectation(IReadOnlyList<PlanRange> ranges, IReadOnlyList<bool> families) =>
        string.Join(" and ", families.Select(v6 => $"one {NetworkPlan.FamilyName(v6)} in {Ranges(ranges.Where(r => r.Range.IsV6 == v6))}"));

    private static string Ranges(IEnumerable<PlanRange> ranges) =>
        ranges.Select(r => r.Range.ToString()).ToList() is { Count: > 0 } list ? string.Join(" or ", list) : "(no range in the repository)";

    private static string Listed(IReadOnlyList<string> values) => values.Count > 0 ? string.Join(", ", values) : "none";

    private static List<IPAddress> Addresses(IEnumerable<string> texts) =>
        texts.Select(t => Cidr.TryParseAddress(t, out var ip) ? ip : null).OfType<IPAddress>().ToList();

    private static bool IsV6(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6;
}
