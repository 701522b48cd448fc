using HomeOps.Compile.Network;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Network;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Network;

/// <summary>
/// Where LB-IPAM pools sit: apart from each other, and inside the plan. The plan this checks is
/// the one every BGP-announced pool needs: LB addresses are routed to the cluster, never on-link on
/// the node subnet, and each family's pools share one prefix holding nothing else (no node, pod or
/// service addresses), so the router can route that one prefix to the cluster. A cluster that announces its addresses on
/// the node network instead (Cilium L2 announcements, no BGP) needs the opposite: every pool inside a node subnet, where
/// ARP reaches, clear of the addresses already in use there, and no IPv6 (Cilium 1.17's L2 announcements answer no NDP:
/// Documentation/network/l2-announcements.rst at v1.17).
/// </summary>
public sealed class LbPoolRules : IRuleSet
{
    public const string Overlap = "network/lb-pool-overlap";
    public const string OutsidePlan = "network/lb-pool-outside-plan";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(Overlap, Severity.Error, "Two CiliumLoadBalancerIPPool blocks share addresses; Cilium marks the later pool conflicting and allocates nothing from it."),
        new(OutsidePlan, Severity.Error, "An LB pool (GitOps or bootstrap-config.yaml) is not a valid range; BGP-routed, it lies in a node subnet or the pools of a family do not share one prefix free of node, pod and service addresses; announced on the node network (L2), it lies outside every node subnet."),
    ];

    private sealed record Placed(LbPool Pool, PoolBlock Block);

    /// <summary>Each cluster the repository describes on its own (objects of one cluster never satisfy or clash with another's).</summary>
    public void Check(RepoModel repo, RuleContext context)
    {
        foreach (var cluster in repo.Clusters) CheckCluster(repo, cluster, context);
    }

    private static void CheckCluster(RepoModel repo, ClusterView cluster, RuleContext context)
    {
        var plan = NetworkPlan.Of(repo, cluster);
        CheckOverlaps(plan.Pools.Where(p => !p.Disabled).SelectMany(p => p.Blocks.Select(b => new Placed(p, b))).ToList(), context);
        var pools = plan.Pools.Concat(plan.BootstrapPools).Where(p => !p.Disabled).ToList();
        foreach (var pool in pools)
            foreach (var bad in pool.Invalid)
                context.Report(OutsidePlan, bad.At, $"{pool.Description} block '{bad.Text}' is not a CIDR or a start/stop range of one family",
                    "write cidr: 172.29.52.0/24 (no host bits), or start: and stop: addresses of one family with start ≤ stop");
        var placed = pools.SelectMany(p => p.Blocks.Select(b => new Placed(p, b))).ToList();
        if (plan.AnnouncedOnLink)
        {
            CheckOnLink(placed, plan.Talos, context);
            CheckBootstrapDrift(placed.Where(p => p.Pool.FromBootstrap).ToList(), plan.Pools.Where(p => !p.Disabled).ToList(), context);
            return;
        }
        var onLink = CheckNodeSubnets(placed, plan.Talos, context);
        CheckBootstrapDrift(placed.Where(p => p.Pool.FromBootstrap && !onLink.Contains(p)).ToList(), plan.Pools.Where(p => !p.Disabled).ToList(), context);
        foreach (var family in placed.Where(p => !onLink.Contains(p)).GroupBy(p => p.Block.Range.IsV6))
            CheckOnePrefix(family.ToList(), plan.Talos, context);
    }

    private static void CheckOverlaps(IReadOnlyList<Placed> blocks, RuleContext context)
    {
        for (var i = 0; i < blocks.Count; i++)
            for (var j = i + 1; j < blocks.Count; j++)
                if (blocks[i].Block.Range.Overlaps(blocks[j].Block.Range))
                    context.Report(Overlap, blocks[j].Block.At,
                        $"{blocks[j].Pool.Description} block {blocks[j].Block.Range} overlaps {blocks[i].Pool.Description} block {blocks[i].Block.Range} ({blocks[i].Block.At})",
                        "give every pool its own addresses; narrow one of the blocks");
    }

    /// <summary>The incident: a bootstrap-era pool 172.29.51.100-199 inside the node VLAN 172.29.51.0/24 handed out addresses hosts on the VLAN already used.</summary>
    private static HashSet<Placed> CheckNodeSubnets(IReadOnlyList<Placed> blocks, TalosNetworks talos, RuleContext context)
    {
        var reported = new HashSet<Placed>();
        foreach (var placed in blocks)
            foreach (var subnet in talos.NodeNetworks.Where(n => n.Range.Overlaps(placed.Block.Range)))
            {
                reported.Add(placed);
                context.Report(OutsidePlan, placed.Block.At, $"{placed.Pool.Description} block {placed.Block.Range} lies in {subnet.Name}",
                    "LB addresses are routed to the cluster, not on-link: move the block to its own range outside every node subnet (e.g. a separate /24 beside the node VLAN)");
            }
        return reported;
    }

    /// <summary>L2 announcements answer ARP on the node network only: a block elsewhere, or an IPv6 one, is never reachable.</summary>
    private static void CheckOnLink(IReadOnlyList<Placed> blocks, TalosNetworks talos, RuleContext context)
    {
        const string Mode = "announced on the node network (CiliumL2AnnouncementPolicy, no BGP)";
        foreach (var placed in blocks)
        {
            var block = placed.Block.Range;
            if (block.IsV6)
            {
                context.Report(OutsidePlan, placed.Block.At, $"{placed.Pool.Description} block {block} is IPv6 and {Mode}: Cilium 1.17's L2 announcements answer no NDP, so nothing answers for it",
                    "remove the IPv6 block, or route the LB ranges to the cluster with BGP (a CiliumBGPClusterConfig)");
                continue;
            }
            var family = talos.NodeNetworks.Where(n => !n.Range.IsV6).ToList();
            if (family.Count > 0 && !family.Any(n => n.Range.Contains(block)))
                context.Report(OutsidePlan, placed.Block.At, $"{placed.Pool.Description} block {block} is {Mode} but lies outside every node subnet: {string.Join("; ", family.Select(n => n.Name))}",
                    "move the block into the node subnet, clear of node addresses and the VIP, or route it to the cluster with BGP (a CiliumBGPClusterConfig) instead");
            // a VIP inside a pool is network/vip-conflict's finding (one cause, one report)
            foreach (var taken in talos.NodeAddresses.Where(a => block.Contains(a.Address)))
                context.Report(OutsidePlan, placed.Block.At, $"{placed.Pool.Description} block {block} is {Mode} and holds {taken.Name} ({taken.At}): Cilium would hand it to a Service and answer ARP for it",
                    "narrow the block so it leaves every node address out");
        }
    }

    /// <summary>
    /// One fact, one value: a range bootstrap-config.yaml hands out must be one the GitOps pools hold
    /// (checked when both exist), else Services get addresses at bootstrap that the GitOps plan does not know.
    /// </summary>
    private static void CheckBootstrapDrift(IReadOnlyList<Placed> bootstrap, IReadOnlyList<LbPool> gitops, RuleContext context)
    {
        foreach (var placed in bootstrap)
        {
            var sameFamily = gitops.SelectMany(p => p.Blocks.Where(b => b.Range.IsV6 == placed.Block.Range.IsV6).Select(b => (Pool: p, b.Range))).ToList();
            if (sameFamily.Count == 0 || sameFamily.Any(g => g.Range.Contains(placed.Block.Range))) continue;
            context.Report(OutsidePlan, placed.Block.At,
                $"{placed.Pool.Description} block {placed.Block.Range} is in no GitOps CiliumLoadBalancerIPPool ({string.Join(", ", sameFamily.Select(g => $"{g.Pool.Name} {g.Range}"))})",
                "write the bootstrap range inside a GitOps pool (the same addresses Flux will manage), or delete the leftover bootstrap range");
        }
    }

    private static void CheckOnePrefix(IReadOnlyList<Placed> family, TalosNetworks talos, RuleContext context)
    {
        var taken = talos.NodeNetworks.Concat(talos.Pods).Concat(talos.Services).ToList();
        // a block that itself overlaps pods or services is network/cidr-overlap's finding; one cause, one report
        if (family.Any(p => taken.Any(t => t.Range.Overlaps(p.Block.Range)))) return;
        var cover = IpRange.Covering(family.Select(p => p.Block.Range));
        if (taken.FirstOrDefault(t => t.Range.Overlaps(IpRange.Of(cover))) is not { } clash) return;
        var low = family.MinBy(p => p.Block.Range.First, IpRange.AddressOrder)!;
        var high = family.MaxBy(p => p.Block.Range.Last, IpRange.AddressOrder)!;
        context.Report(OutsidePlan, family[0].Block.At,
            $"the {family[0].Block.Range.Family} LB pools span {cover} (from {low.Pool.Description} {low.Block.Range} to {high.Pool.Description} {high.Block.Range}), which also holds {clash.Name}",
            "keep all LB pools of a family inside one prefix that holds no node, pod or service addresses, so one route reaches them all");
    }
}
