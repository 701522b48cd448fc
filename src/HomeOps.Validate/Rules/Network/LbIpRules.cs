using HomeOps.Compile.Network;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Network;

/// <summary>
/// network/lb-ip-unassignable: a LoadBalancer Service that LB-IPAM cannot serve as written stays
/// &lt;pending&gt; forever, with nothing but a status condition to say why. Runs only when the tree
/// has CiliumLoadBalancerIPPools (another load balancer may serve trees without them).
/// </summary>
public sealed class LbIpRules : IRuleSet
{
    public const string Id = "network/lb-ip-unassignable";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(Id, Severity.Error, "A LoadBalancer Service asks for an IP, pool or family that no CiliumLoadBalancerIPPool selecting it provides."),
    ];

    /// <summary>Each cluster the repository describes on its own (objects of one cluster never satisfy or clash with another's).</summary>
    public void Check(RepoModel repo, RuleContext context)
    {
        foreach (var cluster in repo.Clusters) CheckCluster(repo, cluster, context);
    }

    private static void CheckCluster(RepoModel repo, ClusterView cluster, RuleContext context)
    {
        var plan = NetworkPlan.Of(repo, cluster);
        if (plan.Pools.Count == 0) return;
        var names = string.Join(", ", plan.Pools.Select(p => p.Name));
        foreach (var service in plan.Services)
        {
            if (service.PoolLabel is { } wanted && plan.Pools.All(p => p.Name != wanted))
                context.Report(Id, service.LabelsAt, $"{service.Description} has label {LbService.PoolLabelKey}: {wanted}, but no CiliumLoadBalancerIPPool is named {wanted}",
                    $"use one of the pools: {names}");
            var pools = plan.PoolsFor(service);
            if (pools.Count == 0)
            {
                context.Report(Id, service.LabelsAt, $"no enabled CiliumLoadBalancerIPPool selects {service.Description} (pools: {names})",
                    "give the Service the labels a pool's serviceSelector matches, or widen a pool's serviceSelector");
                continue;
            }
            foreach (var ip in service.Requested) CheckRequested(plan, service, pools, ip, context);
            if (service.Requested.Count == 0 && plan.AssignedFamilies(service).Count == 0)
                context.Report(Id, service.FamiliesAt,
                    $"{service.Description} wants {string.Join(" and ", plan.WantedFamilies(service).Select(NetworkPlan.FamilyName))} addresses but the pools selecting it ({string.Join(", ", pools.Select(p => p.Name))}) have none",
                    "add a block of that family to a pool that selects the Service, or change spec.ipFamilies");
        }
    }

    private static void CheckRequested(NetworkPlan plan, LbService service, IReadOnlyList<LbPool> pools, RequestedIp ip, RuleContext context)
    {
        if (ip.Address is not { } address)
        {
            context.Report(Id, ip.At, $"{service.Description} asks for '{ip.Text}', which is not an IP address", "write one address, or a comma-separated list of them");
            return;
        }
        if (pools.Any(p => p.Blocks.Any(b => b.Range.Contains(address)))) return;
        var selecting = string.Join(", ", pools.Select(p => $"{p.Name} ({string.Join(", ", p.Blocks.Select(b => b.Range))})"));
        if (plan.Pools.FirstOrDefault(p => p.Blocks.Any(b => b.Range.Contains(address))) is { } other)
            context.Report(Id, ip.At, $"{service.Description} asks for {address}, which is in {other.Description}, but that pool's serviceSelector does not select it",
                $"set the labels {other.Name} selects, or ask for an address of a pool that selects the Service: {selecting}");
        else
            context.Report(Id, ip.At, $"{service.Description} asks for {address}, which no CiliumLoadBalancerIPPool provides",
                $"ask for an address of a pool that selects the Service: {selecting}");
    }
}
