using HomeOps.Compile.Bgp;
using HomeOps.Compile.Network;
using HomeOps.Compile.Repository;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Operations.Maintenance;

namespace HomeOps.Operations.Status;

/// <summary>
/// What the repository says the cluster should be: its nodes and versions, BGP sessions and routes (or why they
/// cannot be worked out: <paramref name="BgpProblem"/>), LB pools.
/// </summary>
public sealed record StatusExpectation(
    string Cluster,
    IReadOnlyList<NodeRef> Nodes,
    string TalosVersion,
    string KubernetesVersion,
    LabPlan? Bgp,
    string? BgpProblem,
    IReadOnlyList<LbPool> Pools)
{
    /// <summary>A certificate closer than this to its notAfter means renewal is failing (cert-manager renews 30 days ahead by default).</summary>
    public static readonly TimeSpan CertificateWarning = TimeSpan.FromDays(14);

    public static StatusExpectation From(TalosPlan talos, RepoModel repo)
    {
        LabPlan? bgp = null;
        string? problem = null;
        try { bgp = LabPlan.From(repo); }
        catch (HomeOpsException e) { problem = string.Join("; ", e.Findings.Select(d => d.Message)); }
        return new StatusExpectation(
            talos.Config.ClusterName,
            NodeRef.AllOf(talos),
            talos.Talos.ToString(),
            talos.Kubernetes.ToString(),
            bgp,
            problem,
            LbPools.FromManifests(repo));
    }
}
