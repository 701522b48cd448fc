namespace HomeOps.Operations.Tools;

/// <summary>`cilium status -o json` reduced to what bootstrap checks.</summary>
public sealed record CiliumHealth(bool Ready, IReadOnlyList<string> Problems);

/// <summary>One BGP session as `cilium bgp peers -o json` lists it.</summary>
public sealed record PeerSession(string Node, string PeerAddress, long PeerAsn, string SessionState, int AdvertisedRoutes);

/// <summary>One route a node announces to one peer, as `cilium bgp routes advertised AFI unicast -o json` lists it.</summary>
public sealed record AdvertisedRoute(string Node, string Peer, string Prefix);

/// <summary>
/// What cilium-cli reported, node by node: the items of every node whose Cilium agent answered, and for each asked-for
/// node that did not answer, why (cilium-cli's own error text). A partial answer is a result, not a failure: the nodes
/// that answered are judged, the others are named as not answered.
/// </summary>
public sealed record CiliumBgpAnswer<T>(IReadOnlyList<T> Items, IReadOnlyDictionary<string, string> Unanswered)
{
    public bool Complete => Unanswered.Count == 0;
}

public interface ICilium : IVersionedTool
{
    Task<CiliumHealth> StatusAsync(string kubeconfig, CancellationToken cancel);

    /// <summary>Every BGP session of every node; <paramref name="nodes"/> (Kubernetes node names) are the nodes expected to answer.</summary>
    Task<CiliumBgpAnswer<PeerSession>> BgpPeersAsync(string kubeconfig, IReadOnlyCollection<string> nodes, CancellationToken cancel);

    /// <summary>What every node advertises to its peers for <paramref name="afi"/> ("ipv4" or "ipv6") unicast.</summary>
    Task<CiliumBgpAnswer<AdvertisedRoute>> AdvertisedRoutesAsync(string afi, string kubeconfig, IReadOnlyCollection<string> nodes, CancellationToken cancel);
}
