namespace HomeOps.Operations.Observe;

/// <summary>
/// Read-only view of a running cluster through its API. Custom resources come back null when the API does not serve
/// them (the CRD is not installed), so "Longhorn is not installed" is distinguishable from "Longhorn has no volumes".
/// A cluster that does not answer throws <see cref="ClusterUnreachableException"/>.
/// </summary>
public interface IClusterReader
{
    /// <summary>The API server this reader talks to (the kubeconfig's current context's server), for <see cref="Maintenance.ClusterIdentity"/>.</summary>
    string Server { get; }

    Task<IReadOnlyList<LiveNode>> NodesAsync(CancellationToken cancel);

    /// <summary>Kustomizations and HelmReleases; null when Flux's CRDs are not installed.</summary>
    Task<IReadOnlyList<FluxObject>?> FluxObjectsAsync(CancellationToken cancel);

    Task<IReadOnlyList<LonghornVolume>?> LonghornVolumesAsync(CancellationToken cancel);

    Task<IReadOnlyList<LonghornNode>?> LonghornNodesAsync(CancellationToken cancel);

    Task<IReadOnlyList<CertificateStatus>?> CertificatesAsync(CancellationToken cancel);

    /// <summary>Every peer of every CiliumBGPNodeConfig (cilium.io/v2alpha1); null when the BGP control plane's CRDs are absent.</summary>
    Task<IReadOnlyList<BgpPeerStatus>?> BgpPeersAsync(CancellationToken cancel);

    Task<IReadOnlyList<LiveService>> ServicesAsync(CancellationToken cancel);

    Task<IReadOnlyList<LivePod>> PodsAsync(CancellationToken cancel);
}

/// <summary>Builds a reader from a kubeconfig; throws <see cref="ClusterUnreachableException"/> when the file is missing or unusable.</summary>
public interface IClusterReaderFactory
{
    IClusterReader Connect(string kubeconfigPath);
}
