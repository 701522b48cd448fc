using HomeOps.Compile.Bgp;
using HomeOps.Compile.Network;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Network;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Bgp;

/// <summary>
/// bgp/service-not-advertised: follows a LoadBalancer Service's address the way Cilium would
/// announce it — ClusterConfig peer → its CiliumBGPPeerConfig → a family of the Service's address
/// family → an advertisement that family selects → an entry of type Service with LoadBalancerIP
/// whose selector matches the Service. A missing link means the address is allocated, the session
/// is up, and the router never learns the route. Runs only when a CiliumBGPClusterConfig exists.
/// </summary>
public sealed class ServiceAdvertisementRules : IRuleSet
{
    public const string Id = "bgp/service-not-advertised";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(Id, Severity.Error, "A LoadBalancer Service whose IP no BGP advertisement announces to any peer (no matching Service/LoadBalancerIP advertisement, or not for its family)."),
    ];

    /// <summary>Each cluster the repository describes on its own (objects of one cluster never satisfy or clash with another's).</summary>
    public void Check(RepoModel repo, RuleContext context)
    {
        foreach (var cluster in repo.Clusters) CheckCluster(repo, cluster, context);
    }

    private static void CheckCluster(RepoModel repo, ClusterView cluster, RuleContext context)
    {
        var bgp = BgpPlan.Of(cluster);
        if (!bgp.HasClusterConfig) return;
        var network = NetworkPlan.Of(repo, cluster);
        foreach (var service in network.Services)
        {
            var families = network.Pools.Count > 0 ? network.AssignedFamilies(service) : network.WantedFamilies(service);
            if (families.Count == 0) continue; // no address at all: network/lb-ip-unassignable's finding
            var announced = AnnouncedFamilies(bgp, service);
            if (announced.Count == 0)
                context.Report(Id, service.LabelsAt, $"no CiliumBGPAdvertisement announces the LoadBalancer IP of {service.Description} to a peer",
                    "add an advertisement of advertisementType: Service with service.addresses [LoadBalancerIP] whose selector matches the Service (an empty selector selects nothing; match all with a NotIn expression on an unused label), labelled so the peer config's families select it");
            else
                foreach (var missing in families.Where(v6 => !announced.Contains(v6)))
                    context.Report(Id, service.FamiliesAt, $"the {NetworkPlan.FamilyName(missing)} LoadBalancer IP of {service.Description} is announced to no peer (only {string.Join(", ", announced.Select(NetworkPlan.FamilyName))})",
                        $"add an afi: {(missing ? "ipv6" : "ipv4")} family selecting the advertisement to the peer config");
        }
    }

    /// <summary>The address families (true = IPv6) in which some used peer config announces the Service's LoadBalancer IP.</summary>
    private static HashSet<bool> AnnouncedFamilies(BgpPlan bgp, LbService service)
    {
        var labels = service.SelectorLabels;
        return bgp.UsedPeerConfigs
            .SelectMany(c => c.Families)
            .Where(f => f.Afi is "ipv4" or "ipv6" && bgp.Advertisements.Any(a => BgpPlan.Selects(f, a) && a.Entries.Any(e =>
                e.Type == "Service" && e.ServiceAddresses.Contains("LoadBalancerIP")
                && LabelSelector.Matches(e.Selector, labels, LabelSelector.WhenEmpty.SelectsNothing))))
            .Select(f => f.IsV6)
            .ToHashSet();
    }
}
