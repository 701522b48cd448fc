using System.Text.Json.Nodes;
using HomeOps.Compile.Bgp;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Bgp;

/// <summary>
/// bgp/asn-mismatch: the two ends of a session must agree on both ASNs, or the session never
/// leaves OpenSent. A router has one ASN, so one peer address with two peerASNs is a typo; and the
/// design is eBGP (cluster ASN ≠ router ASN): with iBGP the router does not re-advertise routes
/// learnt from one node to others, and Cilium sets no next-hop-self for it. ASNs that
/// bootstrap-config.yaml states (keys localASN/clusterASN, peerASN/routerASN) must equal the GitOps ones.
/// </summary>
public sealed class AsnRules : IRuleSet
{
    public const string Id = "bgp/asn-mismatch";

    private static readonly string[] LocalKeys = ["localasn", "clusterasn"];
    private static readonly string[] PeerKeys = ["peerasn", "routerasn"];

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(Id, Severity.Error, "BGP ASNs disagree: one peer address with two peerASNs, localASN equal to peerASN (iBGP where eBGP is the design), or bootstrap-config.yaml stating other ASNs."),
    ];

    /// <summary>Each cluster the repository describes on its own (objects of one cluster never satisfy or clash with another's).</summary>
    public void Check(RepoModel repo, RuleContext context)
    {
        foreach (var cluster in repo.Clusters) CheckCluster(repo, cluster, context);
    }

    private static void CheckCluster(RepoModel repo, ClusterView cluster, RuleContext context)
    {
        var peers = BgpPlan.Of(cluster).Peers;
        var seen = new Dictionary<string, BgpPeer>(StringComparer.OrdinalIgnoreCase);
        foreach (var peer in peers)
        {
            if (peer is { LocalAsn: { } local, PeerAsn: { } remote } && local.Value == remote.Value)
                context.Report(Id, remote.Location, $"{peer.Description} has peerASN {remote.Value}, the same as its instance's localASN {local.Value} (iBGP)",
                    "give the cluster its own private ASN (64512-65534) different from the router's, and configure the router with both");
            if (peer is not { Address: { } address, PeerAsn: { } asn }) continue;
            if (seen.TryGetValue(address.Value, out var first) && first.PeerAsn!.Value != asn.Value)
                context.Report(Id, asn.Location, $"{peer.Description} gives {address.Value} peerASN {asn.Value}, but {first.Description} gives it peerASN {first.PeerAsn.Value}",
                    "a router has one ASN: use the same peerASN for every session to it");
            seen.TryAdd(address.Value, peer);
        }
        if (repo.BootstrapConfig is { } bootstrap) CheckBootstrap(bootstrap, bootstrap.Body, "", peers, context);
    }

    private static void CheckBootstrap(Manifest bootstrap, JsonNode? node, string pointer, IReadOnlyList<BgpPeer> peers, RuleContext context)
    {
        foreach (var (key, child) in node as JsonObject ?? [])
        {
            var at = $"{pointer}/{YamlJson.Escape(key)}";
            CheckBootstrap(bootstrap, child, at, peers, context);
            var local = LocalKeys.Contains(key.ToLowerInvariant());
            if (!local && !PeerKeys.Contains(key.ToLowerInvariant()) || child is not JsonValue v || !v.TryGetValue<long>(out var asn)) continue;
            var gitops = peers.Select(p => local ? p.LocalAsn : p.PeerAsn).OfType<At<long>>().ToList();
            if (gitops.Count > 0 && gitops.All(g => g.Value != asn))
                context.Report(Id, bootstrap.At(at), $"{RepoFiles.BootstrapConfig} {key} {asn} differs from the CiliumBGPClusterConfig {(local ? "localASN" : "peerASN")} {gitops[0].Value}",
                    "state each ASN once: remove it from bootstrap-config.yaml, or make it equal to the GitOps value");
        }
        var items = node as JsonArray ?? [];
        for (var i = 0; i < items.Count; i++) CheckBootstrap(bootstrap, items[i], $"{pointer}/{i}", peers, context);
    }
}
