using HomeOps.Compile.Bgp;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Bgp;

/// <summary>
/// bgp/advertisement-unmatched: the label links between Cilium's BGP objects. Each broken link
/// leaves sessions Established with nothing announced, which no status shows as an error.
/// </summary>
public sealed class AdvertisementRules : IRuleSet
{
    public const string Id = "bgp/advertisement-unmatched";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(Id, Severity.Error, "A CiliumBGPAdvertisement no peer family selects, a peer family selecting no advertisement, or a peerConfigRef naming no CiliumBGPPeerConfig."),
    ];

    /// <summary>Each cluster the repository describes on its own (objects of one cluster never satisfy or clash with another's).</summary>
    public void Check(RepoModel repo, RuleContext context)
    {
        foreach (var cluster in repo.Clusters) CheckCluster(cluster, context);
    }

    private static void CheckCluster(ClusterView cluster, RuleContext context)
    {
        var bgp = BgpPlan.Of(cluster);
        if (!bgp.InUse) return;
        var families = bgp.PeerConfigs.SelectMany(c => c.Families.Select(f => (Config: c, Family: f))).ToList();
        foreach (var advertisement in bgp.Advertisements.Where(a => !families.Any(f => BgpPlan.Selects(f.Family, a))))
            context.Report(Id, advertisement.At, $"no CiliumBGPPeerConfig family selects CiliumBGPAdvertisement {advertisement.Name} (labels: {Labels(advertisement.Labels)})",
                "give the advertisement the labels a peer config's families[].advertisements.matchLabels names, or add them there");
        foreach (var (config, family) in families.Where(f => f.Family.Advertisements is not null && !bgp.Advertisements.Any(a => BgpPlan.Selects(f.Family, a))))
            context.Report(Id, family.At, $"the {family.Afi} family of CiliumBGPPeerConfig {config.Name} selects no CiliumBGPAdvertisement",
                "make the selector match an advertisement's metadata.labels (an empty selector selects nothing)");
        foreach (var peer in bgp.Peers)
            if (peer.PeerConfig is { } reference && bgp.PeerConfigs.All(c => c.Name != reference.Value))
                context.Report(Id, reference.Location, $"{peer.Description} uses peerConfigRef {reference.Value}, but no CiliumBGPPeerConfig is named {reference.Value}",
                    bgp.PeerConfigs.Count > 0 ? $"use one of: {string.Join(", ", bgp.PeerConfigs.Select(c => c.Name))}" : "add the CiliumBGPPeerConfig");
    }

    private static string Labels(IReadOnlyDictionary<string, string> labels) =>
        labels.Count == 0 ? "none" : string.Join(", ", labels.Select(l => $"{l.Key}={l.Value}"));
}
