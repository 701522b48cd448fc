namespace HomeOps.Operations.Tools;

/// <summary>`cilium status -o json` reduced to what bootstrap checks.</summary>
public sealed record CiliumHealth(bool Ready, IReadOnlyList<string> Problems);

/// <summary>One BGP session as `cilium bgp peers -o json` lists it.</summary>
public sealed record PeerSession(string Node, string PeerAddress, long PeerAsn, string SessionState, int AdvertisedRoutes);

/// <summary>One route a node announces to one peer, as `cilium bgp routes advertised AFI unicast -o json` lists it.</summary>
public sealed record AdvertisedRoute(string Node, string Peer, string Prefix);

public interface ICilium : IVersionedTool
{
    Task<CiliumHealth> StatusAsync(string kubeconfig, CancellationToken cancel);

    Task<IReadOnlyList<PeerSession>> BgpPeersAsync(string kubeconfig, CancellationToken cancel);

    /// <summary>What every node advertises to its peers for <paramref name="afi"/> ("ipv4" or "ipv6") unicast.</summary>
    Task<IReadOnlyList<AdvertisedRoute>> AdvertisedRoutesAsync(string afi, string kubeconfig, CancellationToken cancel);
}
