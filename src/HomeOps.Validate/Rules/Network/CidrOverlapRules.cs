using HomeOps.Compile.Network;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Network;
using HomeOps.Model.Repository;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Network;

/// <summary>
/// network/cidr-overlap across layers. talconfig-internal overlaps (pods, services, node subnets)
/// come from TalConfigChecks while loading; this set adds what only the whole tree shows: LB pools
/// inside pod or service networks, Cilium's own pod ranges colliding with services, nodes or pools,
/// and a native-routing CIDR that leaves pods out.
/// </summary>
public sealed class CidrOverlapRules : IRuleSet
{
    public const string Id = "network/cidr-overlap";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(Id, Severity.Error, "Pod, service and node networks, Cilium's pod ranges and LB pools overlap each other (IPv4 and IPv6)."),
    ];

    /// <summary>Each cluster the repository describes on its own (objects of one cluster never satisfy or clash with another's).</summary>
    public void Check(RepoModel repo, RuleContext context)
    {
        foreach (var cluster in repo.Clusters) CheckCluster(repo, cluster, context);
    }

    private static void CheckCluster(RepoModel repo, ClusterView cluster, RuleContext context)
    {
        var plan = NetworkPlan.Of(repo, cluster);
        var ciliumPods = plan.Cilium?.ClusterPoolPodRanges() ?? [];
        var clusterInternal = plan.Talos.Pods.Concat(plan.Talos.Services).Concat(ciliumPods).ToList();
        foreach (var pool in plan.Pools.Where(p => !p.Disabled))
            foreach (var block in pool.Blocks)
                foreach (var range in clusterInternal.Where(r => r.Range.Overlaps(block.Range)))
                    context.Report(Id, block.At, $"{pool.Description} block {block.Range} overlaps {range.Name}",
                        "LB addresses are announced outside the cluster; move the pool out of the pod and service networks");
        foreach (var pods in ciliumPods)
            foreach (var other in plan.Talos.Services.Concat(plan.Talos.NodeNetworks).Where(r => r.Range.Overlaps(pods.Range)))
                context.Report(Id, pods.At, $"{pods.Name} overlaps {other.Name}",
                    "set ipam.mode: kubernetes (pods then use talconfig clusterPodNets), or set the cluster-pool list to talconfig's pod networks");
        if (plan.Cilium is { } cilium) CheckNativeRouting(cilium, ciliumPods.Count > 0 ? ciliumPods : plan.Talos.Pods, context);
    }

    /// <summary>Traffic to pods outside the native-routing CIDR is masqueraded or tunnelled, so the CIDR must hold every pod range of its family.</summary>
    private static void CheckNativeRouting(CiliumValues cilium, IReadOnlyList<PlanRange> pods, RuleContext context)
    {
        foreach (var (key, v6) in new[] { ("ipv4NativeRoutingCIDR", false), ("ipv6NativeRoutingCIDR", true) })
        {
            var (value, at) = cilium.Get(key);
            if (Manifest.Text(value) is not { } text || !IpRange.TryParse(text, out var routed)) continue;
            foreach (var missed in pods.Where(p => p.Range.IsV6 == v6 && !routed.Contains(p.Range)))
                context.Report(Id, at, $"Cilium {key} {text} does not contain {missed.Name}",
                    $"set {key} to a range holding every pod network of the family, e.g. {missed.Range}");
        }
    }
}
