using HomeOps.Compile.Bgp;
using HomeOps.Compile.Network;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Network;

/// <summary>
/// network/dual-stack-mismatch across layers: every layer must run the families talconfig.yaml
/// gives the cluster (its pod networks). TalConfigChecks reports talconfig-internal mismatches
/// while loading; this set compares Cilium's values, the LB pools, the BGP families and Services
/// that require both families against them.
/// </summary>
public sealed class DualStackRules : IRuleSet
{
    public const string Id = "network/dual-stack-mismatch";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(Id, Severity.Error, "talconfig's address families disagree with Cilium's ipv4/ipv6 values, the LB pools, the BGP peer families or a RequireDualStack Service."),
    ];

    /// <summary>Each cluster the repository describes on its own (objects of one cluster never satisfy or clash with another's).</summary>
    public void Check(RepoModel repo, RuleContext context)
    {
        foreach (var view in repo.Clusters) CheckCluster(repo, view, context);
    }

    private static void CheckCluster(RepoModel repo, ClusterView view, RuleContext context)
    {
        var plan = NetworkPlan.Of(repo, view);
        if (!plan.Talos.Present) return;
        var (v4, v6) = plan.Talos.Families;
        var cluster = v4 && v6 ? "dual-stack" : v6 ? "IPv6-only" : "IPv4-only";
        if (plan.Cilium is { } cilium) CheckCilium(cilium, cluster, v4, v6, context);
        var pools = plan.Pools.Where(p => !p.Disabled).ToList();
        foreach (var (wanted, isV6) in new[] { (v4, false), (v6, true) })
        {
            var name = NetworkPlan.FamilyName(isV6);
            if (wanted && pools.Count > 0 && !pools.Any(p => p.Has(isV6)))
                context.Report(Id, pools[0].At, $"the cluster is {cluster} (talconfig clusterPodNets) but no CiliumLoadBalancerIPPool has an {name} block",
                    $"add an {name} block to a pool so LoadBalancer Services get {name} addresses");
            foreach (var pool in wanted ? [] : pools)
                foreach (var block in pool.Blocks.Where(b => b.Range.IsV6 == isV6))
                    context.Report(Id, block.At, $"{pool.Description} block {block.Range} is {name}, but the cluster is {cluster} (talconfig clusterPodNets)",
                        $"remove the block, or add an {name} range to talconfig clusterPodNets and clusterSvcNets");
            if (wanted && pools.Any(p => p.Has(isV6))) CheckBgpFamilies(BgpPlan.Of(view), isV6, context);
        }
        foreach (var service in plan.Services.Where(s => s.IpFamilyPolicy == "RequireDualStack"))
        {
            var offered = plan.AssignedFamilies(service);
            if (plan.PoolsFor(service).Count > 0 && offered.Count < 2)
                context.Report(Id, service.FamiliesAt,
                    $"{service.Description} requires dual-stack, but the pools selecting it offer only {string.Join(", ", offered.Select(NetworkPlan.FamilyName).DefaultIfEmpty("no family"))}",
                    "add blocks of both families to a pool that selects it, or use ipFamilyPolicy: PreferDualStack");
        }
    }

    private static void CheckCilium(CiliumValues cilium, string cluster, bool v4, bool v6, RuleContext context)
    {
        // the chart's defaults: ipv4.enabled true, ipv6.enabled false
        foreach (var (family, wanted, byDefault) in new[] { ("ipv4", v4, true), ("ipv6", v6, false) })
            if (cilium.Enabled($"{family}.enabled", byDefault) != wanted)
                context.Report(Id, cilium.Get($"{family}.enabled").At,
                    $"the cluster is {cluster} (talconfig clusterPodNets) but the Cilium values have {family}.enabled {(!wanted).ToString().ToLowerInvariant()}",
                    $"set {family}.enabled: {wanted.ToString().ToLowerInvariant()} in the Cilium values");
    }

    /// <summary>
    /// Pools of a family announce nothing unless some peer negotiates that family. One peer config per address
    /// family (each session carrying its own family) is the intended shape, so one config without the family is fine.
    /// </summary>
    private static void CheckBgpFamilies(BgpPlan bgp, bool v6, RuleContext context)
    {
        if (!bgp.UsedPeerConfigs.Any() || bgp.UsedPeerConfigs.Any(c => c.Families.Any(f => f.IsV6 == v6))) return;
        foreach (var config in bgp.UsedPeerConfigs)
            context.Report(Id, config.FamiliesAt, $"CiliumBGPPeerConfig {config.Name} has no {(v6 ? "ipv6" : "ipv4")} family, and no other peer config has one, but LB pools hand out {NetworkPlan.FamilyName(v6)} addresses",
                $"give the {(v6 ? "IPv6" : "IPv4")} peer a peer config with afi: {(v6 ? "ipv6" : "ipv4")}, safi: unicast and the same advertisements selector");
    }
}
