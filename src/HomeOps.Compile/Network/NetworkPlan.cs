using System.Runtime.CompilerServices;
using HomeOps.Compile.Repository;
using HomeOps.Model.Network;

namespace HomeOps.Compile.Network;

/// <summary>
/// The cluster's address plan, read once from every layer that states part of it: talconfig.yaml
/// (nodes, VIP, pods, services), the LB-IPAM pools, bootstrap-config.yaml ranges, the Cilium Helm
/// values and the LoadBalancer Services. The network and BGP rules only compare its parts.
/// </summary>
public sealed class NetworkPlan
{
    private static readonly ConditionalWeakTable<ClusterView, NetworkPlan> Plans = new();

    public required TalosNetworks Talos { get; init; }

    /// <summary>CiliumLoadBalancerIPPools of the GitOps tree.</summary>
    public required IReadOnlyList<LbPool> Pools { get; init; }

    /// <summary>Ranges bootstrap-config.yaml hands out (empty in a tree that keeps network facts out of it).</summary>
    public required IReadOnlyList<LbPool> BootstrapPools { get; init; }

    public required CiliumValues? Cilium { get; init; }

    public required IReadOnlyList<LbService> Services { get; init; }

    /// <summary>
    /// LoadBalancer addresses are answered for on the node network (a CiliumL2AnnouncementPolicy and no BGP): the pools then
    /// belong in a node subnet, where BGP-routed pools must never be.
    /// </summary>
    public required bool AnnouncedOnLink { get; init; }

    /// <summary>The plan of the repository's objects as the cluster gets them (all clusters' when it describes several).</summary>
    public static NetworkPlan Of(RepoModel repo) => Of(repo, repo.Cluster);

    /// <summary>One plan per cluster of a loaded repository, shared by the rule sets that run in parallel over it.</summary>
    public static NetworkPlan Of(RepoModel repo, ClusterView cluster) => Plans.GetValue(cluster, c => new NetworkPlan
    {
        Talos = TalosNetworks.From(repo.Talos),
        Pools = LbPools.FromObjects(c),
        BootstrapPools = LbPools.FromBootstrap(repo),
        Cilium = CiliumValues.Find(repo, c),
        Services = LbService.FromObjects(c),
        AnnouncedOnLink = c.OfKind("cilium.io", "CiliumL2AnnouncementPolicy").Any() && !c.OfKind("cilium.io", "CiliumBGPClusterConfig").Any(),
    });

    /// <summary>Enabled pools whose serviceSelector selects the Service (no selector: every Service).</summary>
    public IReadOnlyList<LbPool> PoolsFor(LbService service) =>
        Pools.Where(p => !p.Disabled && LabelSelector.Matches(p.Selector, service.SelectorLabels, LabelSelector.WhenEmpty.SelectsAll)).ToList();

    /// <summary>
    /// The families (true = IPv6) a Service asks addresses in: those of the IPs it requests, else
    /// spec.ipFamilies, else both for a dual-stack policy on a dual-stack cluster, else the
    /// cluster's primary family (the first service network, IPv4 without talconfig).
    /// </summary>
    public IReadOnlyList<bool> WantedFamilies(LbService service)
    {
        var requested = service.Requested.Where(r => r.Address is not null).Select(r => r.Address!.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6).Distinct().ToList();
        if (requested.Count > 0) return requested;
        if (service.IpFamilies.Count > 0) return service.IpFamilies.Select(f => f == "IPv6").Distinct().ToList();
        if (service.IpFamilyPolicy is "RequireDualStack" or "PreferDualStack" && Talos.DualStack) return [false, true];
        return [Talos.Services.Count > 0 && Talos.Services[0].Range.IsV6];
    }

    /// <summary>The families the Service really gets: wanted, and offered by a pool that selects it.</summary>
    public IReadOnlyList<bool> AssignedFamilies(LbService service)
    {
        var pools = PoolsFor(service);
        return WantedFamilies(service).Where(v6 => pools.Any(p => p.Has(v6))).ToList();
    }

    public static string FamilyName(bool v6) => v6 ? "IPv6" : "IPv4";
}
