using System.Net;
using System.Net.Sockets;
using HomeOps.Compile.Bgp;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Bgp;

/// <summary>
/// bgp/peer-family-mismatch: Cilium negotiates and advertises every family of a peer's CiliumBGPPeerConfig on that
/// peer's session, so a peer config with both families, shared by an IPv4 and an IPv6 peer, sends IPv6 routes over the
/// IPv4 session (and the reverse) with a next hop of the session's family, which the router may reject or install
/// unreachable. Each peer's advertising families must be its own address family. A peer config without families
/// negotiates both but advertises nothing (Cilium's default), so it is not reported.
/// </summary>
public sealed class PeerFamilyRules : IRuleSet
{
    public const string Id = "bgp/peer-family-mismatch";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(Id, Severity.Warning, "A BGP peer's CiliumBGPPeerConfig advertises a family other than the peer address's own (IPv6 routes over an IPv4 session or the reverse)."),
    ];

    public void Check(RepoModel repo, RuleContext context)
    {
        var plan = BgpPlan.Of(repo);
        var configs = plan.PeerConfigs.GroupBy(c => c.Name).ToDictionary(g => g.Key, g => g.First());
        foreach (var peer in plan.Peers)
        {
            if (peer is not { Address: { } address, PeerConfig: { } reference } || !IPAddress.TryParse(address.Value, out var ip)) continue;
            if (!configs.TryGetValue(reference.Value, out var config) || !config.ExplicitFamilies) continue;
            var own = ip.AddressFamily == AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4";
            foreach (var family in config.Families.Where(f => f.Afi != own && f.Advertisements is not null))
                context.Report(Id, family.At,
                    $"{peer.Description} ({address.Value}, {own}) uses CiliumBGPPeerConfig {config.Name}, whose {family.Afi} family advertises over that {own} session",
                    $"give the {own} peer a CiliumBGPPeerConfig of its own with only afi: {own} (one peer config per address family)");
        }
    }
}
