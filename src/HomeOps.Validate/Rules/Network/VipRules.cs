using HomeOps.Compile.Network;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Network;

/// <summary>
/// network/vip-conflict across layers. TalConfigChecks reports the talconfig-internal part while
/// loading (VIP = a node IP, VIP outside the interface subnet, nodes disagreeing); this set adds
/// LB-IPAM handing the API server's VIP to a Service, which takes the API down when it happens.
/// </summary>
public sealed class VipRules : IRuleSet
{
    public const string Id = "network/vip-conflict";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(Id, Severity.Error, "The Kubernetes API VIP equals a node IP, lies outside the nodes' subnet, or lies inside an LB pool or a Service's requested IP."),
    ];

    /// <summary>Each cluster the repository describes on its own (objects of one cluster never satisfy or clash with another's).</summary>
    public void Check(RepoModel repo, RuleContext context)
    {
        foreach (var cluster in repo.Clusters) CheckCluster(repo, cluster, context);
    }

    private static void CheckCluster(RepoModel repo, ClusterView cluster, RuleContext context)
    {
        var plan = NetworkPlan.Of(repo, cluster);
        foreach (var vip in plan.Talos.Vips)
        {
            foreach (var pool in plan.Pools.Concat(plan.BootstrapPools).Where(p => !p.Disabled))
                foreach (var block in pool.Blocks.Where(b => b.Range.Contains(vip.Address)))
                    context.Report(Id, block.At, $"{pool.Description} block {block.Range} contains the Kubernetes API {vip.Name}",
                        $"LB-IPAM would hand {vip.Address} to a Service; leave the VIP out of every pool");
            foreach (var service in plan.Services)
                foreach (var ip in service.Requested.Where(r => vip.Address.Equals(r.Address)))
                    context.Report(Id, ip.At, $"{service.Description} asks for the Kubernetes API {vip.Name}", "ask for an address of an LB pool instead");
        }
    }
}
